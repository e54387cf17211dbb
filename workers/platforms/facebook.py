"""Facebook Pages, through the Graph API with a Page access token; threads as comments."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from workers.platforms import (
    ConnectorContext,
    Limits,
    LinkedAccount,
    Mention,
    Mentions,
    PostImage,
    Published,
    Thread,
    register,
)
from workers.platforms.errors import ContentRejected, PlatformError
from workers.platforms.http_api import (
    AUTH,
    CONTENT,
    DUPLICATE,
    TRANSIENT,
    ApiFailure,
    HttpApi,
    json_body,
)
from workers.platforms.image_fit import ImageTooLarge, fit_image

PLATFORM = "facebook"
DEFAULT_API_BASE = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
WEB_BASE = "https://www.facebook.com"
LOOKUP_LIMIT = 25  # posts or comments looked through for a part whose answer was lost
MAX_CHARACTERS = 63206  # the longest message a Page post may carry
MAX_IMAGES = 10  # photos attached to one post (an MMS carries ten at most)
MAX_IMAGE_BYTES = 4 * 1024 * 1024  # "photos should be less than 4 MB"

# Graph API error codes, by what to do about them
# (https://developers.facebook.com/docs/graph-api/guides/error-handling/).
TOKEN_CODES = frozenset({102, 190})  # the session or token is invalid or expired
# The token lacks a permission (10, 200-299): linking again is what grants it.
PERMISSION_CODES = frozenset({10, *range(200, 300)})
RATE_LIMIT_CODES = frozenset({4, 17, 32, 341, 613, 80001})  # app, user, page and BUC limits
TEMPORARY_CODES = frozenset({1, 2})  # unknown error, service temporarily unavailable
POLICY_CODES = frozenset({368})  # blocked as abusive
DUPLICATE_CODE = 506  # "Duplicate status message": the Page posted this text recently
# Headers in which Graph reports rate-limit usage, with minutes until access returns.
USAGE_HEADERS = ("X-Business-Use-Case-Usage", "X-Page-Usage", "X-App-Usage")

COMMENT_FIELDS = "id,from,message,created_time,parent,permalink_url"
LATEST = 20  # comments read when there is no cursor yet
PAGE_SIZE = 50  # comments per request
MAX_PAGES = 10  # per post and read; the next read goes on from the newest read
GRAPH_TIME = "%Y-%m-%dT%H:%M:%S%z"  # Graph's created_time: 2026-11-23T22:14:03+0000
# How Graph words an id it cannot load: a post deleted since it was published.
NO_SUCH_OBJECT = "does not exist"


class FacebookConnector:
    """One Facebook Page, posted to with a Page access token."""

    # A Page's posts and their comments can be read back with the same token.
    reads_replies = True

    def __init__(
        self,
        page_id: str,
        access_token: str,
        http: requests.Session,
        api_base: str = DEFAULT_API_BASE,
        api_version: str = DEFAULT_API_VERSION,
    ) -> None:
        self._page_id = page_id
        self._base = f"{api_base.rstrip('/')}/{api_version}"
        # The token goes in a header, never in a URL: a URL reaches access logs, and
        # exceptions about a failed request (kept in failed jobs' tracebacks) quote it.
        self._api = HttpApi(
            PLATFORM, http, read_graph_error, headers={"Authorization": f"Bearer {access_token}"}
        )

    def limits(self) -> Limits:
        """A Page post's length in characters (Facebook does not shorten URLs), and its photos."""
        return Limits(
            max_characters=MAX_CHARACTERS, max_images=MAX_IMAGES, max_image_bytes=MAX_IMAGE_BYTES
        )

    def publish(
        self,
        text: str,
        idempotency_key: str,
        thread: Thread | None = None,
        images: Sequence[PostImage] = (),
    ) -> Published:
        """Post to the Page's feed, or comment on the thread's first post for a later part.

        Photos are uploaded unpublished to the Page's photos, then attached to the post
        (`attached_media`), one or several alike. Graph has no idempotency key and no
        cheap lookup by one, so a repeated key posts again: find_published is asked first.
        """
        if thread is None:
            attached = {
                f"attached_media[{n}]": json.dumps({"media_fbid": self._upload(image)})
                for n, image in enumerate(images[:MAX_IMAGES])
            }
            post_id = self._create(f"{self._page_id}/feed", text, attached)
            return Published(remote_id=post_id, url=f"{WEB_BASE}/{post_id}")
        # Pages have no reply threads, and Graph nests comments one level at most: every
        # later part comments on the first post, so they read in order under it.
        root = thread.root.remote_id
        comment_id = self._create(f"{root}/comments", text)
        return Published(remote_id=comment_id, url=comment_url(root, comment_id))

    def find_published(self, text: str, since: datetime, thread: Thread | None) -> Published | None:
        """Find the Page's post (or its comment, for a later part) of this text since then.

        Graph has no idempotency key, so a part whose answer was lost is looked for here
        before it is posted again.
        """
        if thread is None:
            params = {
                "fields": "id,message,created_time",
                "since": str(int(since.timestamp())),
                "limit": str(LOOKUP_LIMIT),
            }
            body = self._api.json(
                self._api.request("GET", f"{self._base}/{self._page_id}/posts", params=params)
            )
            for post in body.get("data") or []:
                if post.get("message") == text:
                    return Published(remote_id=str(post["id"]), url=f"{WEB_BASE}/{post['id']}")
            return None
        root = thread.root.remote_id
        params = {
            "fields": "id,message,from,created_time",
            "order": "reverse_chronological",
            "limit": str(LOOKUP_LIMIT),
        }
        body = self._api.json(
            self._api.request("GET", f"{self._base}/{root}/comments", params=params)
        )
        for comment in body.get("data") or []:
            author = (comment.get("from") or {}).get("id")
            if comment.get("message") == text and author == self._page_id:
                return Published(remote_id=str(comment["id"]), url=comment_url(root, comment["id"]))
        return None

    def whoami(self) -> str:
        """The Page's name, as Graph knows it: a check of the Page id and token before linking.

        Raises AuthError for a token Graph refuses (code 190, or one lacking permission) and
        ContentRejected when the id names no Page the token may see.
        """
        response = self._api.request(
            "GET", f"{self._base}/{self._page_id}", params={"fields": "id,name"}
        )
        name = self._api.json(response).get("name")
        if not isinstance(name, str) or not name:
            raise PlatformError(PLATFORM, f"no name in the answer (HTTP {response.status_code})")
        return name

    def delete(self, remote_id: str) -> None:
        """Delete one of the Page's posts or comments."""
        self._api.request("DELETE", f"{self._base}/{remote_id}")

    def _upload(self, image: PostImage) -> str:
        """Upload a photo to the Page, unpublished, with its alt text; return its id."""
        try:
            fitted = fit_image(image, MAX_IMAGE_BYTES)
        except ImageTooLarge as exc:
            raise ContentRejected(PLATFORM, "a photo is too large for Facebook") from exc
        name = "photo.png" if fitted.content_type == "image/png" else "photo.jpg"
        response = self._api.request(
            "POST",
            f"{self._base}/{self._page_id}/photos",
            data={"published": "false", "alt_text_custom": fitted.alt_text},
            files={"source": (name, fitted.data, fitted.content_type)},
        )
        body = self._api.json(response)
        if not body.get("id"):
            raise PlatformError(PLATFORM, f"no id in the answer (HTTP {response.status_code})")
        return str(body["id"])

    def _create(self, edge: str, text: str, extra: dict[str, str] | None = None) -> str:
        """POST a message (and any attachments) to an edge; return the new object's id."""
        response = self._api.request(
            "POST", f"{self._base}/{edge}", data={"message": text, **(extra or {})}
        )
        body = self._api.json(response)
        if not body.get("id"):
            raise PlatformError(PLATFORM, f"no id in the answer (HTTP {response.status_code})")
        return str(body["id"])

    def mentions(self, cursor: str | None, posts: Sequence[str] = ()) -> Mentions:
        """Return people's comments on the given posts, after the cursor, oldest first.

        Graph lets a Page read the comments on its own posts, one post at a time, so only
        `posts` are read; the Page's own comments (later parts of a thread) are left out.
        """
        since = CommentCursor.parse(cursor)
        found: list[tuple[str, dict[str, Any]]] = []
        for post in dict.fromkeys(posts):
            found.extend((post, c) for c in self._comments(post, since) if self._by_others(c))
        # Stable: comments of one second keep Graph's order.
        found.sort(key=lambda item: _created(item[1]))
        if since is None:
            found = found[-LATEST:]
        items = [_mention(post, comment) for post, comment in found]
        return Mentions(items, CommentCursor.after(since, items) if items else cursor)

    def _comments(self, post: str, since: CommentCursor | None) -> list[dict[str, Any]]:
        """Read a post's comments and replies newer than the cursor, oldest first."""
        params = {
            "filter": "stream",  # replies to comments as well, in one flat list
            "order": "reverse_chronological",  # newest first: stop at the cursor
            "fields": COMMENT_FIELDS,
            "limit": str(LATEST if since is None else PAGE_SIZE),
        }
        newer: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            try:
                body = self._api.json(
                    self._api.request("GET", f"{self._base}/{post}/comments", params=params)
                )
            except ContentRejected as exc:
                if NO_SUCH_OBJECT in exc.message:
                    break  # the post was deleted: no comments to read
                raise
            page = [c for c in body.get("data") or [] if isinstance(c, dict)]
            fresh = [c for c in page if since is None or since.admits(c)]
            newer.extend(fresh)
            paging = body.get("paging") or {}
            if since is None or len(fresh) < len(page) or not paging.get("next"):
                break
            params["after"] = str(paging["cursors"]["after"])
        return newer[::-1]

    def _by_others(self, comment: dict[str, Any]) -> bool:
        """Tell whether someone other than the Page wrote a comment."""
        return (comment.get("from") or {}).get("id") != self._page_id


@dataclass(frozen=True)
class CommentCursor:
    """Where a read of comments stopped: the newest time read and the ids read at that time.

    Graph's times are whole seconds, so a comment made in the same second as the newest
    one read is told apart by its id.
    """

    time: datetime
    ids: frozenset[str]

    @classmethod
    def parse(cls, cursor: str | None) -> CommentCursor | None:
        """Read a cursor from its string form; None stays None."""
        if cursor is None:
            return None
        fields = json.loads(cursor)
        return cls(datetime.fromisoformat(fields["time"]), frozenset(fields["ids"]))

    @staticmethod
    def after(since: CommentCursor | None, items: Sequence[Mention]) -> str:
        """The string form of the cursor after reading these mentions (at least one)."""
        newest = max(m.created_at for m in items if m.created_at is not None)
        ids = {m.remote_id for m in items if m.created_at == newest}
        if since is not None and since.time == newest:
            ids |= since.ids
        return json.dumps({"time": newest.isoformat(), "ids": sorted(ids)})

    def admits(self, comment: dict[str, Any]) -> bool:
        """Tell whether a comment came after this cursor."""
        created = _created(comment)
        return created > self.time or (created == self.time and comment["id"] not in self.ids)


def _created(comment: dict[str, Any]) -> datetime:
    """When Graph says a comment was made."""
    return datetime.strptime(str(comment["created_time"]), GRAPH_TIME)


def _mention(post: str, comment: dict[str, Any]) -> Mention:
    """Describe a comment as a mention, answered by a reply under its top-level comment."""
    comment_id = str(comment["id"])
    parent = (comment.get("parent") or {}).get("id")
    url = str(comment.get("permalink_url") or comment_url(post, comment_id))
    published = Published(remote_id=comment_id, url=url)
    # Graph nests comments one level: an answer to a reply goes under the reply's parent.
    top = Published(str(parent), comment_url(post, str(parent))) if parent else published
    return Mention(
        remote_id=comment_id,
        # People on Facebook go by their names; Graph leaves `from` out when the token
        # may not see the person, and then no name is known.
        author=str((comment.get("from") or {}).get("name") or ""),
        text=str(comment.get("message") or ""),
        url=url,
        created_at=_created(comment),
        answer=Thread(root=top, parent=published),
        in_reply_to=str(parent or post),
    )


def comment_url(post_id: str, comment_id: str) -> str:
    """The web address of a comment: its post's, naming the comment."""
    # Graph comment ids are "{post}_{comment}"; the web knows a comment by the last part.
    return f"{WEB_BASE}/{post_id}?comment_id={comment_id.rsplit('_', 1)[-1]}"


def read_graph_error(response: requests.Response) -> ApiFailure:
    """Read a Graph API error body; its code decides more than the HTTP status does."""
    error = json_body(response).get("error")
    if not isinstance(error, dict):
        return ApiFailure(message=f"HTTP {response.status_code}")
    message = str(error.get("error_user_msg") or error.get("message") or "")
    code = error.get("code")
    if code in RATE_LIMIT_CODES:
        return ApiFailure(message or "rate limited", TRANSIENT, _minutes_to_regain(response))
    if code in TEMPORARY_CODES:
        return ApiFailure(message, TRANSIENT)
    if code in TOKEN_CODES or code in PERMISSION_CODES:
        return ApiFailure(message, AUTH)
    if code in POLICY_CODES:
        return ApiFailure(message, CONTENT)
    if code == DUPLICATE_CODE:
        return ApiFailure(message, DUPLICATE)
    return ApiFailure(message)


def _minutes_to_regain(response: requests.Response) -> float | None:
    """Seconds until Graph lifts a rate limit, from its usage headers, if it says."""
    waits: list[float] = []
    for header in USAGE_HEADERS:
        try:
            usage = json.loads(response.headers.get(header, "null"))
        except ValueError:
            continue
        waits.extend(60.0 * minutes for minutes in _regain_minutes(usage))
    return max(waits) if waits else None


def _regain_minutes(usage: Any) -> list[float]:
    """Every estimated_time_to_regain_access in a usage header, flat or per business object."""
    if isinstance(usage, dict):
        found = []
        if isinstance(usage.get("estimated_time_to_regain_access"), int | float):
            found.append(float(usage["estimated_time_to_regain_access"]))
        for value in usage.values():
            if isinstance(value, list | dict):
                found.extend(_regain_minutes(value))
        return found
    if isinstance(usage, list):
        return [minutes for item in usage for minutes in _regain_minutes(item)]
    return []


@register(PLATFORM, "Facebook")
def build(account: LinkedAccount, context: ConnectorContext) -> FacebookConnector:
    """Build a Facebook Page connector from stored credentials."""
    credentials = account.credentials
    return FacebookConnector(
        str(credentials["page_id"]),
        credentials["access_token"],
        context.http,
        api_base=credentials.get("api_base") or DEFAULT_API_BASE,
        api_version=credentials.get("api_version") or DEFAULT_API_VERSION,
    )
