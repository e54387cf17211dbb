"""A local Mastodon instance for tests: the REST endpoints Mastodon.py calls, over real HTTP.

It answers the way Mastodon 4.x documents (https://docs.joinmastodon.org/methods/):

- `GET /api/v2/instance` — the InstanceV2 entity, with `configuration.statuses`
  `max_characters` (settable) and `characters_reserved_per_url` 23; no token needed.
  `GET /api/v1/instance` (deprecated, still served) the v1 Instance: Mastodon.py reads
  the version from it, and so picks the v2 media API.
- `GET /api/v1/accounts/verify_credentials` — the CredentialAccount of the token's user.
- `POST /api/v1/statuses` — a Status; the `Idempotency-Key` header makes a repeat from
  the same token return the first status instead of a new one; 422 when the text is
  blank or over the limit, counted as Mastodon does with every URL as 23 characters.
- `DELETE /api/v1/statuses/:id` — the deleted Status, with `text` in place of `content`;
  the notifications about it go with it.
- `GET /api/v1/notifications` — the user's Notifications, newest first, filtered by
  `types[]` and `exclude_types[]`, paged by `max_id`, `since_id` and `min_id` (the page
  just after min_id) with `limit` (40, at most 80), and a `Link` header to the next
  (older) and previous (newer) page, as Mastodon sends it.
- `GET /api/v1/timelines/tag/:hashtag` — public Statuses carrying the hashtag (any
  case), newest first, paged as notifications are (`limit` 20, at most 40); no token.
- `POST /api/v2/media` — a MediaAttachment from a multipart `file` (with `description`),
  answered 202 with `url` null while it is processed, as Mastodon does for images;
  `GET /api/v1/media/:id` answers 206 until it is ready, then 200 with its `url`; a
  status may then carry it by `media_ids[]` (at most 4; 422 for one still processing,
  or unknown), with no text needed.

`add_status_from` posts as another account (`mere`, or `mere@other.example`), as a
person elsewhere would; a status naming @aroha notifies the user with a `mention`, as
Mastodon does (clients start a reply with the @name of the account replied to).

Every request needs `Authorization: Bearer <access_token>` except the instance one
and the tag timeline:
otherwise 401 {"error": "The access token is invalid"}. Unknown ids get 404
{"error": "Record not found"}. Response bodies are built from JSON in
tests/fixtures/mastodon/, recorded from a real Mastodon by Mastodon.py's own test suite.
`fail_next` makes the next requests fail with a chosen error (500, 503, 429, 401, 422 …);
`stall_next_status` creates a status but holds its answer back, as for a client that dies.
`latency_seconds` holds back every answer, as a distant, busy instance does (the bench).
Apps, consent and tokens: tests/peers/mastodon_oauth.py; a token it issues works
like the user's own.
"""

from __future__ import annotations

import copy
import html
import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.peers.mastodon_oauth import OAuthServer
from tests.peers.server import FailureQueue, LocalServer

OAUTH_ENDPOINTS = {"oauth_metadata", "apps", "authorize", "token"}

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mastodon"
RECORDED_HOST = "localhost:3000"  # the host the fixture bodies were recorded on
ACCESS_TOKEN = "peer-access-token-0123456789abcdef"
USERNAME = "aroha"
MAX_CHARACTERS = 500  # Mastodon's default
MAX_MEDIA_ATTACHMENTS = 4  # configuration.statuses.max_media_attachments
URL_WEIGHT = 23  # characters_reserved_per_url
RATE_LIMIT = 300  # requests per five minutes, as Mastodon allows per token
JSON_TYPE = "application/json; charset=utf-8"

NOTIFICATIONS_LIMIT = 40  # a page of notifications when no limit is asked for
NOTIFICATIONS_MAX_LIMIT = 80
TAG_LIMIT = 20  # a page of a tag timeline when no limit is asked for
TAG_MAX_LIMIT = 40

URL = re.compile(r"https?://\S+", re.IGNORECASE)
HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
# @name or @name@domain, not inside a word, an e-mail address or a URL.
MENTION = re.compile(r"(?<![\w@/])@(\w+)(?:@([\w.-]+\w(?::\d+)?))?")
# What Mastodon links in a status: hashtags and mentions, in one pass.
LINKED = re.compile(rf"(?<![\w#])#(?P<tag>\w+)|{MENTION.pattern}")


@dataclass(frozen=True)
class MastodonError:
    """An error response: status, body and any extra headers, as Mastodon or its proxy sends."""

    status: int
    body: str
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()


def api_error(status: int, message: str, *headers: tuple[str, str]) -> MastodonError:
    """Mastodon's JSON error body: {"error": message}."""
    return MastodonError(status, json.dumps({"error": message}), headers=headers)


def rate_limited(seconds: float = 60.0) -> MastodonError:
    """Rack::Attack's 429, with the limit headers saying when the window resets."""
    return api_error(
        429,
        "Too many requests",
        ("X-RateLimit-Limit", str(RATE_LIMIT)),
        ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Reset", _iso(datetime.now(UTC) + timedelta(seconds=seconds))),
    )


INVALID_TOKEN = api_error(
    401,
    "The access token is invalid",
    (
        "WWW-Authenticate",
        'Bearer realm="Doorkeeper", error="invalid_token", '
        'error_description="The access token is invalid"',
    ),
)
RECORD_NOT_FOUND = api_error(404, "Record not found")


def too_long(max_characters: int = MAX_CHARACTERS) -> MastodonError:
    """The 422 for a status over the instance's character limit."""
    return api_error(422, f"Validation failed: Text character limit of {max_characters} exceeded")


TEXT_TOO_LONG = too_long()
TEXT_BLANK = api_error(422, "Validation failed: Text can't be blank")
# A crash in Rails serves public/500.html; a proxy in front of a stopped Puma answers 503.
INTERNAL_ERROR = MastodonError(
    500,
    "<!DOCTYPE html><html><head><title>We're sorry, but something went wrong (500)</title>"
    "</head><body><h1>We're sorry, but something went wrong.</h1></body></html>",
    content_type="text/html; charset=utf-8",
)
SERVICE_UNAVAILABLE = MastodonError(
    503,
    "<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
    "<center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center>"
    "</body></html>",
    content_type="text/html",
)


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the peer received it; `body` is the form or JSON, first value per field."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class _Account:
    """The instance's one user: its counts and the idempotency keys it has used."""

    id: str
    statuses_count: int = 0
    last_status_at: str | None = None
    idempotency: dict[str, str] = field(default_factory=dict)  # key → status id


class MastodonPeer(LocalServer):
    """One Mastodon instance on 127.0.0.1 with one user, recording what it is sent."""

    name = "mastodon-peer"

    def __init__(
        self,
        access_token: str = ACCESS_TOKEN,
        username: str = USERNAME,
        max_characters: int = MAX_CHARACTERS,
        latency_seconds: float = 0.0,
        rate_limit: int = RATE_LIMIT,
    ) -> None:
        super().__init__()
        self.latency_seconds = latency_seconds
        self.rate_limit = rate_limit  # one user here stands for many in the bench
        self.access_token = access_token
        self.username = username
        self.max_characters = max_characters
        self.requests: list[RecordedRequest] = []
        self.statuses: list[dict[str, Any]] = []  # the statuses that exist, as created
        self.notifications: list[dict[str, Any]] = []  # the user's, oldest first
        self.media: dict[str, dict[str, Any]] = {}  # media id → its attachment, file and state
        self._account = _Account(id="117440810532227399")
        self._sources: dict[str, str] = {}  # status id → the text it was posted with
        self._failures: FailureQueue[MastodonError] = FailureQueue()
        self._stall_seconds = 0.0
        self._stall_after = 0  # statuses still to answer at once before the stall
        self._upload_stall_seconds = 0.0
        self._sequence = itertools.count()
        self._notification_ids = itertools.count(1)  # a plain sequence, as Mastodon's are
        self._lock = threading.Lock()
        self._routes = Map(
            [
                Rule("/api/v2/instance", endpoint="instance", methods=["GET"]),
                Rule("/api/v2/instance/", endpoint="instance", methods=["GET"]),
                Rule("/api/v1/instance", endpoint="instance_v1", methods=["GET"]),
                Rule("/api/v1/instance/", endpoint="instance_v1", methods=["GET"]),
                Rule(
                    "/api/v1/accounts/verify_credentials",
                    endpoint="verify_credentials",
                    methods=["GET"],
                ),
                Rule("/api/v1/statuses", endpoint="create_status", methods=["POST"]),
                Rule("/api/v2/media", endpoint="upload_media", methods=["POST"]),
                Rule("/api/v1/media/<media_id>", endpoint="media", methods=["GET"]),
                Rule("/api/v1/statuses/<status_id>", endpoint="delete_status", methods=["DELETE"]),
                Rule("/api/v1/notifications", endpoint="notifications", methods=["GET"]),
                Rule("/api/v1/timelines/tag/<hashtag>", endpoint="tag", methods=["GET"]),
                Rule(
                    "/.well-known/oauth-authorization-server",
                    endpoint="oauth_metadata",
                    methods=["GET"],
                ),
                Rule("/api/v1/apps", endpoint="apps", methods=["POST"]),
                Rule("/oauth/authorize", endpoint="authorize", methods=["GET", "POST"]),
                Rule("/oauth/token", endpoint="token", methods=["POST"]),
            ]
        )
        self.oauth = OAuthServer(base_url="")  # its base URL is known once the port is

    @property
    def url(self) -> str:
        """The instance's base URL, such as http://127.0.0.1:PORT."""
        return f"http://{self.host}"

    @property
    def host(self) -> str:
        """The instance's host and port, as its `domain` says."""
        return f"127.0.0.1:{self.port}"

    def fail_next(
        self, error: MastodonError, times: int = 1, endpoint: str | None = None, after: int = 0
    ) -> None:
        """Answer the next `times` requests (to `endpoint` only, if given) with this error.

        With `after`, that many matching requests are answered normally first.
        Endpoints: "instance", "verify_credentials", "create_status", "delete_status",
        "notifications".
        """
        self._failures.add(error, times, endpoint, after)

    def stall_next_status(self, seconds: float, after: int = 0) -> None:
        """Create the next status, then wait this long before answering (a dying client).

        With `after`, that many statuses are answered at once first.
        """
        with self._lock:
            self._stall_seconds = seconds
            self._stall_after = after

    def stall_next_upload(self, seconds: float) -> None:
        """Keep the next uploaded file, then wait this long before answering (a dying client)."""
        with self._lock:
            self._upload_stall_seconds = seconds

    def source(self, status_id: str) -> str:
        """The text a status that exists was posted with."""
        with self._lock:
            return self._sources[status_id]

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """The recorded requests with this method and path."""
        return [r for r in self.requests if (r.method, r.path) == (method, path)]

    def add_status_from(
        self, acct: str, text: str, in_reply_to_id: str | None = None, visibility: str = "public"
    ) -> dict[str, Any]:
        """Post a status as another account; notify the user if it names @username."""
        with self._lock:
            account = self._other_account(acct)
            form = {"in_reply_to_id": in_reply_to_id, "visibility": visibility}
            status = self._status(text, form, account)
            self.statuses.append(status)
            if status["mentions"]:
                self.notifications.append(
                    {
                        "id": str(next(self._notification_ids)),
                        "type": "mention",
                        "created_at": _iso(datetime.now(UTC)),
                        "group_key": f"ungrouped-{status['id']}",
                        "account": account,
                        "status": status,
                    }
                )
        return status

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI app: record the request, then answer it."""
        request = Request(environ)
        body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.path,
                    headers=dict(request.headers),
                    body=body or {},
                )
            )
        time.sleep(self.latency_seconds)
        try:
            response = self._answer(request, body or {})
        finally:
            request.close()  # an uploaded file's spooled temporary file
        response.headers["X-Request-Id"] = str(uuid.uuid4())
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Vary"] = "Authorization, Origin"
        return response(environ, start_response)

    def _answer(self, request: Request, body: dict[str, Any]) -> Response:
        """Route, apply a queued failure, check the token, then do the work."""
        try:
            endpoint, args = self._routes.bind_to_environ(request.environ).match()
        except (NotFound, MethodNotAllowed):
            return _error(RECORD_NOT_FOUND)
        failure = self._take_failure(endpoint)
        if failure is not None:
            return _error(failure)
        if endpoint == "instance":
            return self._ok(self._instance())
        if endpoint == "instance_v1":
            return self._ok(self._instance_v1())
        if endpoint in OAUTH_ENDPOINTS:
            return self._oauth(endpoint, request, body)
        if endpoint == "tag":  # public: no token needed
            return self._tag_timeline(request, args["hashtag"])
        if not self._token_valid(request.headers.get("Authorization", "")):
            return _error(INVALID_TOKEN)
        if endpoint == "verify_credentials":
            return self._ok(self._credential_account())
        if endpoint == "create_status":
            media_ids = request.form.getlist("media_ids[]") if not request.is_json else []
            if request.is_json:
                media_ids = [str(m) for m in (body.get("media_ids") or [])]
            return self._create_status(body, request.headers.get("Idempotency-Key"), media_ids)
        if endpoint == "upload_media":
            return self._upload_media(request)
        if endpoint == "media":
            return self._media_state(args["media_id"])
        if endpoint == "notifications":
            return self._notifications(request)
        return self._delete_status(args["status_id"])

    def _oauth(self, endpoint: str, request: Request, body: dict[str, Any]) -> Response:
        """Answer the OAuth endpoints (tests/peers/mastodon_oauth.py)."""
        with self._lock:
            self.oauth.base_url = self.url
            if endpoint == "oauth_metadata":
                return self.oauth.metadata()
            if endpoint == "apps":
                return self.oauth.register(body)
            if endpoint == "token":
                return self.oauth.exchange(body)
            if request.method == "GET":
                return self.oauth.consent_page(request)
            return self.oauth.decide(request)

    def _token_valid(self, authorization: str) -> bool:
        """Say whether the request carries the user's token, or one issued by OAuth."""
        token = authorization.removeprefix("Bearer ")
        return authorization.startswith("Bearer ") and (
            token == self.access_token or token in self.oauth.issued
        )

    def _take_failure(self, endpoint: str) -> MastodonError | None:
        """Pop the first queued failure meant for this endpoint, if any."""
        return self._failures.take(endpoint)

    def _upload_media(self, request: Request) -> Response:
        """Take an uploaded file; answer 202 with no url yet, as Mastodon does for images."""
        upload = request.files.get("file")
        if upload is None:
            return _error(api_error(422, "Validation failed: File can't be blank"))
        media_id = self._snowflake()
        attachment = {
            "id": media_id,
            "type": "image",
            "url": None,
            "preview_url": f"{self.url}/system/media/{media_id}/small",
            "remote_url": None,
            "preview_remote_url": None,
            "text_url": None,
            "meta": {"focus": {"x": 0.0, "y": 0.0}},
            "description": request.form.get("description") or None,
            "blurhash": "UFBWY:8_0Jxv%MoIoe$*0KM{NGt7%Mxu-;Rj",
        }
        with self._lock:
            self.media[media_id] = {
                "attachment": attachment,
                "data": upload.read(),
                "content_type": upload.mimetype,
                "polls_left": 1,  # answered 206 once before it is ready
            }
            stall, self._upload_stall_seconds = self._upload_stall_seconds, 0.0
        time.sleep(stall)
        return _json(202, attachment)

    def _media_state(self, media_id: str) -> Response:
        """206 while the attachment is processed, then 200 with its url."""
        with self._lock:
            kept = self.media.get(media_id)
            if kept is None:
                return _error(RECORD_NOT_FOUND)
            if kept["polls_left"] > 0:
                kept["polls_left"] -= 1
                return _json(206, kept["attachment"])
            kept["attachment"]["url"] = f"{self.url}/system/media/{media_id}/original"
            return _json(200, kept["attachment"])

    def _create_status(
        self, form: dict[str, Any], idempotency_key: str | None, media_ids: list[str] | None = None
    ) -> Response:
        """Post a status, or return the one this idempotency key already made."""
        text = str(form.get("status") or "")
        account = self._account
        media_ids = media_ids or []
        with self._lock:
            earlier = account.idempotency.get(idempotency_key) if idempotency_key else None
            status = next((s for s in self.statuses if s["id"] == earlier), None)
            if status is None:
                attachments = []
                for media_id in media_ids:
                    kept = self.media.get(media_id)
                    if kept is None or kept["attachment"]["url"] is None:
                        return _error(
                            api_error(422, "Cannot attach files that have not finished processing")
                        )
                    attachments.append(kept["attachment"])
                if len(attachments) > MAX_MEDIA_ATTACHMENTS:
                    return _error(api_error(422, "Cannot attach more than 4 files"))
                if not text.strip() and not attachments:
                    return _error(TEXT_BLANK)
                if counted_length(text) > self.max_characters:
                    return _error(too_long(self.max_characters))
                account.statuses_count += 1
                account.last_status_at = datetime.now(UTC).date().isoformat()
                status = self._status(text, form, self._public_account())
                status["media_attachments"] = attachments
                self.statuses.append(status)
                self._sources[status["id"]] = text
                if idempotency_key:
                    account.idempotency[idempotency_key] = status["id"]
            stall = 0.0
            if self._stall_after:
                self._stall_after -= 1
            else:
                stall, self._stall_seconds = self._stall_seconds, 0.0
        time.sleep(stall)
        return self._ok(status)

    def _delete_status(self, status_id: str) -> Response:
        """Delete a status; answer with it, its source text in place of its HTML."""
        with self._lock:
            # Only the user's own: another account's status is not found for them.
            status = next(
                (
                    s
                    for s in self.statuses
                    if s["id"] == status_id and s["account"]["id"] == self._account.id
                ),
                None,
            )
            if status is None:
                return _error(RECORD_NOT_FOUND)
            self.statuses.remove(status)
            self.notifications = [
                n for n in self.notifications if (n.get("status") or {}).get("id") != status_id
            ]
            self._account.statuses_count -= 1
            deleted = {k: v for k, v in status.items() if k != "content"}
            deleted["text"] = self._sources.pop(status_id)
            deleted["account"] = self._public_account()
        return self._ok(deleted)

    def _status(self, text: str, form: dict[str, Any], account: dict[str, Any]) -> dict[str, Any]:
        """A Status entity for a new post by an account (the user's or another's)."""
        status = self._fixture("status.json")
        status_id = self._snowflake()
        tags = list(dict.fromkeys(HASHTAG.findall(text)))
        visibility = form.get("visibility") or "public"
        parent = self._reply_to(form)
        mentioned = self._mentions_user(text) and account["id"] != self._account.id
        status.update(
            id=status_id,
            created_at=_iso(datetime.now(UTC)),
            sensitive=str(form.get("sensitive", "")).lower() in ("1", "true"),
            spoiler_text=str(form.get("spoiler_text") or ""),
            visibility=visibility,
            language=form.get("language") or "en",
            uri=f"{account['uri']}/statuses/{status_id}",
            url=f"{account['url']}/{status_id}",
            content=self._html(text),
            tags=[{"name": tag, "url": f"{self.url}/tags/{tag.lower()}"} for tag in tags],
            mentions=[self._user_mention()] if mentioned else [],
            in_reply_to_id=parent["id"] if parent else None,
            in_reply_to_account_id=parent["account"]["id"] if parent else None,
        )
        status["account"] = account
        return status

    def _reply_to(self, form: dict[str, Any]) -> dict[str, Any] | None:
        """The status a new one replies to, if it names one that exists."""
        wanted = str(form.get("in_reply_to_id"))
        return next((s for s in self.statuses if s["id"] == wanted), None)

    def _mentions_user(self, text: str) -> bool:
        """Tell whether a text names the user: @username, or @username@this-host."""
        return any(
            name == self.username and domain in ("", self.host)
            for name, domain in MENTION.findall(text)
        )

    def _user_mention(self) -> dict[str, str]:
        """The Mention entity of the user, as a status that names them lists it."""
        name = self.username
        return {
            "id": self._account.id,
            "username": name,
            "url": f"{self.url}/@{name}",
            "acct": name,
        }

    def _html(self, text: str) -> str:
        """Render plain text as Mastodon does: escaped, in paragraphs, tags and the user linked."""

        def link(match: re.Match[str]) -> str:
            if match.group("tag"):
                name = match.group("tag")
                return (
                    f'<a href="{self.url}/tags/{name.lower()}" class="mention hashtag" '
                    f'rel="tag">#<span>{name}</span></a>'
                )
            if not self._mentions_user(match.group(0)):
                return match.group(0)  # Mastodon links only accounts it knows
            return (
                f'<span class="h-card" translate="no"><a href="{self.url}/@{self.username}" '
                f'class="u-url mention">@<span>{self.username}</span></a></span>'
            )

        paragraphs = re.split(r"\n{2,}", html.escape(text.strip(), quote=False))
        return "".join(
            "<p>" + LINKED.sub(link, p).replace("\n", "<br />") + "</p>" for p in paragraphs
        )

    def _notifications(self, request: Request) -> Response:
        """A page of the user's notifications, newest first, with Mastodon's Link header."""
        args = request.args
        types = set(args.getlist("types[]") or args.getlist("types"))
        excluded = set(args.getlist("exclude_types[]") or args.getlist("exclude_types"))
        limit = min(int(args.get("limit") or NOTIFICATIONS_LIMIT), NOTIFICATIONS_MAX_LIMIT)
        with self._lock:
            chosen = [
                n
                for n in self.notifications
                if (not types or n["type"] in types) and n["type"] not in excluded
            ]
        return self._page(request, chosen, limit)

    def _tag_timeline(self, request: Request, hashtag: str) -> Response:
        """Public statuses carrying the hashtag, newest first, paged as notifications are."""
        args = request.args
        limit = min(int(args.get("limit") or TAG_LIMIT), TAG_MAX_LIMIT)
        wanted = hashtag.lower()
        with self._lock:
            chosen = [
                s
                for s in self.statuses
                if s["visibility"] == "public"
                and any(t["name"].lower() == wanted for t in s["tags"])
            ]
        return self._page(request, chosen, limit)

    def _page(self, request: Request, chosen: list[dict[str, Any]], limit: int) -> Response:
        """One page of entities, newest first, by max_id, since_id and min_id, with Links."""
        args = request.args
        for name, keep in (
            ("max_id", lambda id_, bound: id_ < bound),
            ("since_id", lambda id_, bound: id_ > bound),
            ("min_id", lambda id_, bound: id_ > bound),
        ):
            if args.get(name):
                chosen = [e for e in chosen if keep(int(e["id"]), int(args[name]))]
        chosen.sort(key=lambda e: int(e["id"]))
        # min_id asks for the page just after it; otherwise the newest page is wanted.
        page = chosen[:limit] if args.get("min_id") else chosen[-limit:]
        page.reverse()
        response = self._ok(page)
        if page:
            response.headers["Link"] = self._links(request, page[-1]["id"], page[0]["id"])
        return response

    def _links(self, request: Request, oldest: str, newest: str) -> str:
        """The Link header of a page: the next page is older (max_id), the previous newer."""
        kept = [
            (name, value)
            for name, value in request.args.items(multi=True)
            if name not in ("max_id", "min_id", "since_id")
        ]
        base = f"{self.url}{request.path}"
        older = urlencode([*kept, ("max_id", oldest)])
        newer = urlencode([*kept, ("min_id", newest)])
        return f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'

    def _instance(self) -> dict[str, Any]:
        """The InstanceV2 entity, with this peer's status length."""
        instance = self._fixture("instance_v2.json")
        instance["domain"] = self.host
        statuses = instance["configuration"]["statuses"]
        statuses["max_characters"] = self.max_characters
        statuses["characters_reserved_per_url"] = URL_WEIGHT
        return instance

    def _instance_v1(self) -> dict[str, Any]:
        """The v1 Instance entity (https://docs.joinmastodon.org/entities/V1_Instance/)."""
        v2 = self._instance()
        return {
            "uri": v2["domain"],
            "title": v2["title"],
            "short_description": v2["description"],
            "description": v2["description"],
            "email": v2["contact"]["email"],
            "version": v2["version"],
            "urls": {"streaming_api": v2["configuration"]["urls"]["streaming"]},
            "stats": {"user_count": 1, "status_count": len(self.statuses), "domain_count": 1},
            "thumbnail": v2["thumbnail"]["url"],
            "languages": v2["languages"],
            "registrations": v2["registrations"]["enabled"],
            "approval_required": v2["registrations"]["approval_required"],
            "invites_enabled": False,
            "configuration": {
                key: v2["configuration"][key] for key in ("statuses", "media_attachments", "polls")
            },
            "contact_account": None,
            "rules": v2["rules"],
        }

    def _credential_account(self) -> dict[str, Any]:
        """The CredentialAccount entity: the account plus its `source` and `role`."""
        account = self._fixture("credential_account.json")
        account.update(self._account_fields())
        return account

    def _public_account(self) -> dict[str, Any]:
        """The Account entity, as embedded in a status."""
        account = self._fixture("credential_account.json")
        account.pop("source")
        account.pop("role")
        account.update(self._account_fields())
        return account

    def _other_account(self, acct: str) -> dict[str, Any]:
        """The Account entity of someone else: on this instance, or `name@their.host`."""
        account = self._fixture("credential_account.json")
        account.pop("source")
        account.pop("role")
        name, _, domain = acct.partition("@")
        home = f"https://{domain}" if domain else self.url
        account.update(
            id=str(int(uuid.uuid5(uuid.NAMESPACE_URL, acct).int % 10**17) + 10**17),
            username=name,
            acct=acct,
            display_name=name.title(),
            locked=False,
            url=f"{home}/@{name}",
            uri=f"{home}/users/{name}",
        )
        return account

    def _account_fields(self) -> dict[str, Any]:
        """The fields of the account that change with the peer and its posts."""
        name = self.username
        return {
            "id": self._account.id,
            "username": name,
            "acct": name,
            "url": f"{self.url}/@{name}",
            "uri": f"{self.url}/users/{name}",
            "statuses_count": self._account.statuses_count,
            "last_status_at": self._account.last_status_at,
        }

    def _fixture(self, name: str) -> dict[str, Any]:
        """A fixture body, with the recording host replaced by this peer's."""
        raw = _load_fixture(name).replace(RECORDED_HOST, self.host)
        return copy.deepcopy(json.loads(raw))

    def _snowflake(self) -> str:
        """A Mastodon-style id: milliseconds since the epoch shifted left 16, plus a sequence."""
        return str((int(time.time() * 1000) << 16) | (next(self._sequence) & 0xFFFF))

    def _ok(self, payload: Any) -> Response:
        """200 with the JSON body and the rate-limit headers Mastodon sends."""
        response = _json(200, payload)
        now = datetime.now(UTC)
        window_end = now.replace(second=0, microsecond=0) + timedelta(minutes=5 - now.minute % 5)
        with self._lock:
            used = len(self.requests)
        response.headers["X-RateLimit-Limit"] = str(self.rate_limit)
        response.headers["X-RateLimit-Remaining"] = str(max(0, self.rate_limit - used))
        response.headers["X-RateLimit-Reset"] = _iso(window_end, digits=6)
        return response


def counted_length(text: str) -> int:
    """The status length as Mastodon counts it: each URL as 23 characters."""
    return len(URL.sub("x" * URL_WEIGHT, text))


_FIXTURE_TEXT: dict[str, str] = {}


def _load_fixture(name: str) -> str:
    """Read a fixture file once."""
    if name not in _FIXTURE_TEXT:
        _FIXTURE_TEXT[name] = (FIXTURES / name).read_text(encoding="utf-8")
    return _FIXTURE_TEXT[name]


def _iso(moment: datetime, digits: int = 3) -> str:
    """A UTC time as Mastodon writes it: 2024-01-02T03:04:05.678Z."""
    fraction = f"{moment.microsecond:06d}"[:digits]
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + fraction + "Z"


def _error(error: MastodonError) -> Response:
    """The error response, with its headers."""
    response = Response(error.body, status=error.status, content_type=error.content_type)
    for name, value in error.headers:
        response.headers[name] = value
    return response


def _json(status: int, payload: Any) -> Response:
    """A JSON response with this status."""
    return Response(json.dumps(payload), status=status, content_type=JSON_TYPE)
