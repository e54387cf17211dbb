"""LinkedIn, through the REST Posts API: posts in little text format, threads as comments."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from workers.platforms import (
    ConnectorContext,
    Limits,
    LinkedAccount,
    Mentions,
    PostImage,
    Published,
    Thread,
    register,
)
from workers.platforms.errors import ContentRejected, DuplicatePost, PlatformError, Unsupported
from workers.platforms.http_api import AUTH, ApiFailure, HttpApi, json_body
from workers.platforms.image_fit import ImageTooLarge, fit_image

PLATFORM = "linkedin"
DEFAULT_API_BASE = "https://api.linkedin.com"
# The API version every request names; LinkedIn retires each about a year after release.
LINKEDIN_VERSION = "202501"
RESTLI_PROTOCOL_VERSION = "2.0.0"
WEB_BASE = "https://www.linkedin.com"
MAX_CHARACTERS = 3000  # the longest commentary a post may carry
MAX_IMAGES = 20  # a multiImage post's most (two or more; one is a media post)
MAX_IMAGE_PIXELS = 36_152_320  # the Images API's largest (6012 x 6012)
MAX_IMAGE_BYTES = 8 * 1024 * 1024  # kept well under what the Images API takes
MAX_ALT_CHARACTERS = 4086  # altText, as the Posts API documents it
ACCESS_DENIED = 100  # serviceErrorCode of a 403 "Not enough permissions to access"

# Characters the little text format reserves; each must be escaped with a backslash
# (https://learn.microsoft.com/linkedin/marketing/community-management/shares/little-text-format).
RESERVED = frozenset("\\|{}@[]()<>#*_~")
# A URL is escaped whole, so a '#fragment' in it is never taken for a hashtag; otherwise
# a '#' followed by a word character, and not inside a word or after another '#', is a hashtag.
_TOKENS = re.compile(r"(?P<url>https?://\S+)|(?<![\w#\\])(?P<tag>#)(?=\w)")
# The 422 LinkedIn answers for commentary it already has: it names the earlier post.
_DUPLICATE = re.compile(r"duplicate of (urn:li:(?:share|ugcPost):\d+)")


def escape_little_text(text: str) -> str:
    """Escape text for LinkedIn's little text format, keeping the '#' of each hashtag."""
    parts: list[str] = []
    position = 0
    for match in _TOKENS.finditer(text):
        parts.append(_escape(text[position : match.start()]))
        parts.append("#" if match.group("tag") else _escape(match.group("url")))
        position = match.end()
    parts.append(_escape(text[position:]))
    return "".join(parts)


def _escape(text: str) -> str:
    """Put a backslash before every reserved character."""
    return "".join(f"\\{c}" if c in RESERVED else c for c in text)


class LinkedInConnector:
    """One LinkedIn member or organization, posted as with an OAuth access token."""

    # LinkedIn lets apps read comments only on organization posts (Community Management
    # API); on a personal profile replies cannot be read back, so none are relayed.
    reads_replies = False

    def __init__(
        self,
        access_token: str,
        author: str,
        http: requests.Session,
        api_base: str = DEFAULT_API_BASE,
    ) -> None:
        self._author = author
        self._userinfo_url = f"{api_base.rstrip('/')}/v2/userinfo"
        self._base = f"{api_base.rstrip('/')}/rest"
        self._api = HttpApi(
            PLATFORM,
            http,
            read_linkedin_error,
            headers={
                "Authorization": f"Bearer {access_token}",
                "Linkedin-Version": LINKEDIN_VERSION,
                "X-Restli-Protocol-Version": RESTLI_PROTOCOL_VERSION,
            },
        )
        # OpenID Connect userinfo is outside the versioned REST API: the token alone.
        self._openid = HttpApi(
            PLATFORM, http, read_linkedin_error, headers={"Authorization": f"Bearer {access_token}"}
        )

    def limits(self) -> Limits:
        """A post's commentary length in characters, and its photos."""
        return Limits(
            max_characters=MAX_CHARACTERS,
            max_images=MAX_IMAGES,
            max_image_bytes=MAX_IMAGE_BYTES,
            max_image_pixels=MAX_IMAGE_PIXELS,
        )

    def publish(
        self,
        text: str,
        idempotency_key: str,
        thread: Thread | None = None,
        images: Sequence[PostImage] = (),
    ) -> Published:
        """Post to the author's feed, or comment on the thread's first post for a later part.

        Photos go through the Images API first (initializeUpload, then a PUT of the
        bytes) and into the post as `content.media` (one) or `content.multiImage` (more).
        LinkedIn has no idempotency key, but it refuses commentary it already has and names
        the earlier post: DuplicatePost carries it, for a retry to take as its answer.
        """
        if thread is not None:
            return self._comment(thread.root.remote_id, text)
        post: dict[str, Any] = {
            "author": self._author,
            "commentary": escape_little_text(text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        uploaded = [self._upload(image) for image in images[:MAX_IMAGES]]
        if len(uploaded) == 1:
            post["content"] = {"media": uploaded[0]}
        elif uploaded:
            post["content"] = {"multiImage": {"images": uploaded}}
        try:
            response = self._api.request("POST", f"{self._base}/posts", json=post)
        except ContentRejected as exc:
            earlier = _DUPLICATE.search(exc.message)
            if earlier is None:
                raise
            urn = earlier.group(1)
            existing = Published(remote_id=urn, url=post_url(urn))
            raise DuplicatePost(PLATFORM, existing) from exc
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise PlatformError(PLATFORM, "no post URN in the answer")
        return Published(remote_id=urn, url=post_url(urn))

    def find_published(self, text: str, since: datetime, thread: Thread | None) -> None:
        """Find nothing: a repeated post is refused naming the first (see `publish`).

        Reading a member's posts or comments back needs a permission LinkedIn grants
        only to its partners, so a comment whose answer was lost may be posted twice.
        """
        return None

    def whoami(self) -> str:
        """The member's name, from OpenID Connect userinfo: a check of the token before linking.

        Only the token is checked, not the author this connector posts as; `member_urn()`
        gives the author a member's token posts as. Raises AuthError for a token LinkedIn
        refuses (401) or one without the openid and profile scopes (403 ACCESS_DENIED).
        """
        name = self._userinfo().get("name")
        if not isinstance(name, str) or not name:
            raise PlatformError(PLATFORM, "no name in the userinfo answer")
        return name

    def member_urn(self) -> str:
        """The token's member as an author, "urn:li:person:<sub>", from userinfo's `sub`."""
        sub = self._userinfo().get("sub")
        if not isinstance(sub, str) or not sub:
            raise PlatformError(PLATFORM, "no sub in the userinfo answer")
        return f"urn:li:person:{sub}"

    def _userinfo(self) -> dict[str, Any]:
        """The OpenID Connect userinfo of the token's member."""
        return self._openid.json(self._openid.request("GET", self._userinfo_url))

    def delete(self, remote_id: str) -> None:
        """Delete one of the author's posts or comments."""
        comment = _COMMENT_URN.fullmatch(remote_id)
        if comment is None:
            self._api.request("DELETE", f"{self._base}/posts/{quote(remote_id, safe='')}")
            return
        activity, comment_id = comment.groups()
        self._api.request(
            "DELETE",
            f"{self._base}/socialActions/{quote(activity, safe='')}/comments/{comment_id}",
            params={"actor": self._author},
        )

    def mentions(self, cursor: str | None, posts: Sequence[str] = ()) -> Mentions:
        """Refuse: LinkedIn gives apps no way to read the replies to a member's posts."""
        raise Unsupported(
            PLATFORM,
            "LinkedIn lets apps read comments only on organisation pages "
            "(its Community Management API), not on a personal profile",
        )

    def _upload(self, image: PostImage) -> dict[str, str]:
        """Upload a photo through the Images API; return its {"id", "altText"} for a post."""
        longest = max(image.width, image.height)
        scale = math.sqrt(MAX_IMAGE_PIXELS / (image.width * image.height)) if image.width else 1.0
        try:
            fitted = fit_image(
                image, MAX_IMAGE_BYTES, max_side=int(longest * scale) if scale < 1 else None
            )
        except ImageTooLarge as exc:
            raise ContentRejected(PLATFORM, "a photo is too large for LinkedIn") from exc
        started = self._api.json(
            self._api.request(
                "POST",
                f"{self._base}/images",
                params={"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": self._author}},
            )
        )
        value = started.get("value") or {}
        upload_url, urn = value.get("uploadUrl"), value.get("image")
        if not (isinstance(upload_url, str) and isinstance(urn, str)):
            raise PlatformError(PLATFORM, "no upload URL or image URN in the answer")
        self._api.request(
            "PUT", upload_url, data=fitted.data, headers={"Content-Type": fitted.content_type}
        )
        return {"id": urn, "altText": fitted.alt_text[:MAX_ALT_CHARACTERS]}

    def _comment(self, root: str, text: str) -> Published:
        """Comment as the author on a post; comments take plain text, not little text."""
        response = self._api.request(
            "POST",
            f"{self._base}/socialActions/{quote(root, safe='')}/comments",
            json={"actor": self._author, "object": root, "message": {"text": text}},
        )
        # The created Comment comes back whole; its "$URN" names it for deleting later.
        urn = str(self._api.json(response).get("$URN") or "")
        if not _COMMENT_URN.fullmatch(urn):
            raise PlatformError(PLATFORM, "no comment URN in the answer")
        return Published(remote_id=urn, url=f"{post_url(root)}?commentUrn={quote(urn, safe='')}")


# urn:li:comment:(urn:li:activity:123,456): the post's activity and the comment's own id.
_COMMENT_URN = re.compile(r"urn:li:comment:\((urn:li:\w+:\d+),(\d+)\)")


def post_url(urn: str) -> str:
    """The web address of a post."""
    return f"{WEB_BASE}/feed/update/{urn}"


def read_linkedin_error(response: requests.Response) -> ApiFailure:
    """Read a LinkedIn error body ({"status", "serviceErrorCode", "code", "message"})."""
    body = json_body(response)
    message = str(body.get("message") or f"HTTP {response.status_code}")
    details = body.get("errorDetails")
    inputs = details.get("inputErrors") if isinstance(details, dict) else None
    if isinstance(inputs, list):
        # A validation error says which field was wrong only in its input errors.
        said = [str(e.get("description")) for e in inputs if isinstance(e, dict)]
        message = "; ".join([message, *filter(None, said)])
    denied = body.get("code") == "ACCESS_DENIED" or body.get("serviceErrorCode") == ACCESS_DENIED
    if response.status_code == 403 and denied:
        # The token lacks a scope (w_member_social) or the author's role: linking again grants it.
        return ApiFailure(message, AUTH)
    return ApiFailure(message)


@register(PLATFORM, "LinkedIn")
def build(account: LinkedAccount, context: ConnectorContext) -> LinkedInConnector:
    """Build a LinkedIn connector from stored credentials."""
    credentials = account.credentials
    return LinkedInConnector(
        credentials["access_token"],
        credentials["author"],
        context.http,
        api_base=credentials.get("api_base") or DEFAULT_API_BASE,
    )
