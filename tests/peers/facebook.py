"""A local Facebook Graph API for tests: the Page endpoints the connector calls, over real HTTP.

It answers the way the Graph API documents (https://developers.facebook.com/docs/graph-api/):

- `POST /{version}/{page_id}/feed` with `message` — {"id": "{page_id}_{post_id}"};
  with `attached_media[n]` ({"media_fbid": photo id}) the post carries those photos
  (each an unpublished photo of the Page), and a message is not needed.
- `POST /{version}/{page_id}/photos` with a multipart `source`, `published=false` and
  `alt_text_custom` — an unpublished photo, {"id": photo_id}, for a post to attach.
- `POST /{version}/{object_id}/comments` with `message` — {"id": "{post_id}_{comment_id}"}.
- `DELETE /{version}/{object_id}` — {"success": true}; a post's comments go with it.
- `GET /{version}/{page_id}?fields=id,name` — the Page's requested fields, {"name", "id"}
  when none are named; other fields the Page lacks are left out.
- `GET /{version}/{page_id}/posts` — the Page's posts, newest first, from `since` (Unix
  seconds), with `fields` (id always); `lose_answer` makes a post or comment, then answers 500.
- `GET /{version}/{object_id}/comments` — a post's or comment's comments, with `filter`
  (`toplevel`, the default, or `stream`: replies to comments too, flat), `order`
  (`chronological`, the default, or `reverse_chronological`), `fields` (id, message,
  created_time, from, parent, permalink_url; id alone when none are named), `limit` (25)
  and `after`/`before` cursors: {"data": [...], "paging": {"cursors", "next"?}}.

`add_comment` comments as a person, as someone reading the Page would; a comment on a
reply goes under the comment it replies to, as Graph nests comments one level only.
Times are Graph's: whole seconds, "2026-11-23T22:14:03+0000".

Parameters come as a form, JSON, or the query string; each request needs the Page's
token, as `access_token` or an `Authorization: Bearer` header, otherwise 400
OAuthException code 190. Unknown objects get 400
GraphMethodException code 100, subcode 33; a missing message (#100). Errors use Graph's
body: {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}.
`fail_next` makes the next requests fail with a chosen error (rate limits, 5xx, policy …).
`register_app` adds Facebook Login: the dialog (`/{version}/dialog/oauth`), the code
exchange and `fb_exchange_token` at `/{version}/oauth/access_token`, and
`/{version}/me/accounts` listing the Pages the user token manages, with their tokens.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.peers.oauth_provider import OAuthProvider
from tests.peers.server import FailureQueue, LocalServer

API_VERSION = "v21.0"
PAGE_ID = "104839275612345"
ACCESS_TOKEN = "EAAGpeerPageAccessToken0123456789"
PAGE_NAME = "Kai Community Garden"
JSON_TYPE = "application/json; charset=UTF-8"
COMMENTS_LIMIT = 25  # Graph's page of comments when no limit is asked for
COMMENT_FIELDS = frozenset({"id", "message", "created_time", "from", "parent", "permalink_url"})


@dataclass(frozen=True)
class GraphError:
    """An error response: status, body and any extra headers, as Graph sends them."""

    status: int
    body: str
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()


def graph_error(
    status: int,
    code: int,
    message: str,
    error_type: str = "OAuthException",
    subcode: int | None = None,
    *headers: tuple[str, str],
) -> GraphError:
    """Graph's JSON error body."""
    error: dict[str, Any] = {"message": message, "type": error_type, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "A" + secrets.token_hex(10)
    return GraphError(status, json.dumps({"error": error}), headers=headers)


def rate_limited(code: int = 32, minutes: int = 5) -> GraphError:
    """A rate-limit error, with the business use case usage header saying when it lifts."""
    usage = {
        PAGE_ID: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 12,
                "total_time": 14,
                "estimated_time_to_regain_access": minutes,
            }
        ]
    }
    message = {
        4: "(#4) Application request limit reached",
        17: "(#17) User request limit reached",
        32: "(#32) Page request limit reached",
        613: "(#613) Calls to this api have exceeded the rate limit.",
    }.get(code, f"(#{code}) Rate limit reached")
    return graph_error(
        400,
        code,
        message,
        "OAuthException",
        None,
        ("X-Business-Use-Case-Usage", json.dumps(usage)),
    )


EXPIRED_TOKEN = graph_error(
    400,
    190,
    "Error validating access token: Session has expired on Monday, 23-Nov-26 12:00:00 PST. "
    "The current time is Monday, 23-Nov-26 13:00:00 PST.",
    "OAuthException",
    463,
    ("WWW-Authenticate", 'OAuth "Facebook Platform" "invalid_token" "Session has expired"'),
)
INVALID_TOKEN = graph_error(
    400,
    190,
    "Invalid OAuth access token - Cannot parse access token",
    "OAuthException",
    None,
    ("WWW-Authenticate", 'OAuth "Facebook Platform" "invalid_token" "Cannot parse access token"'),
)
UNAUTHORIZED = graph_error(401, 102, "Session key invalid or no longer valid", "OAuthException")
MISSING_PERMISSION = graph_error(
    403,
    200,
    "(#200) The user hasn't authorized the application to perform this action",
    "OAuthException",
)
POLICY_BLOCK = graph_error(
    400,
    368,
    "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
    "OAuthException",
    1390008,
)
DUPLICATE_MESSAGE = graph_error(400, 506, "(#506) Duplicate status message", "OAuthException")
MISSING_MESSAGE = graph_error(400, 100, "(#100) Missing message or attachment")
TEMPORARILY_UNAVAILABLE = graph_error(
    503, 2, "An unexpected error has occurred. Please retry your request later.", "OAuthException"
)
UNKNOWN_ERROR = graph_error(500, 1, "An unknown error occurred", "OAuthException", 99)
# A load balancer in front of Graph answers a timeout with HTML.
GATEWAY_TIMEOUT = GraphError(
    504,
    "<html><body><h1>504 Gateway Time-out</h1></body></html>",
    content_type="text/html",
)


def no_such_object(object_id: str, operation: str = "delete") -> GraphError:
    """The 400 for an id that does not exist (or the token may not see)."""
    return graph_error(
        400,
        100,
        f"Unsupported {operation} request. Object with ID '{object_id}' does not exist, cannot "
        "be loaded due to missing permissions, or does not support this operation. Please read "
        "the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        "GraphMethodException",
        33,
    )


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the peer received it: form or JSON body and query, first value per field."""

    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: dict[str, Any]


class FacebookPeer(LocalServer):
    """The Graph API for one Page on 127.0.0.1, recording what it is sent."""

    name = "facebook-peer"

    def __init__(
        self, page_id: str = PAGE_ID, access_token: str = ACCESS_TOKEN, page_name: str = PAGE_NAME
    ) -> None:
        super().__init__()
        self.page_id = page_id
        self.page_name = page_name
        self.access_token = access_token
        self.requests: list[RecordedRequest] = []
        # Every post and comment that exists, by id: message, author ("from"),
        # created_time, and parent (the object commented on) for comments.
        self.objects: dict[str, dict[str, Any]] = {}
        # Photos uploaded unpublished, by id: bytes, content type, alt text, the post
        # that attached them (None until one does).
        self.photos: dict[str, dict[str, Any]] = {}
        self._failures: FailureQueue[GraphError] = FailureQueue()
        self._ids = itertools.count(1220000000000001)
        self._lock = threading.Lock()
        self._creates = 0  # posts and comments made, counting from 1
        self._lost_answers: set[int] = set()
        self.oauth: OAuthProvider | None = None  # once register_app is called
        self.user_tokens: dict[str, str] = {}  # user token → "short" or "long"
        self.pages: list[dict[str, Any]] = []  # what /me/accounts lists, besides this Page
        self._routes = Map(
            [
                Rule("/<version>/dialog/oauth", endpoint="dialog", methods=["GET", "POST"]),
                Rule(
                    "/<version>/oauth/access_token",
                    endpoint="access_token",
                    methods=["GET", "POST"],
                ),
                Rule("/<version>/me/accounts", endpoint="accounts", methods=["GET"]),
                Rule("/<version>/<object_id>/feed", endpoint="feed", methods=["POST"]),
                Rule("/<version>/<object_id>/photos", endpoint="photos", methods=["POST"]),
                Rule("/<version>/<object_id>/comments", endpoint="comments", methods=["POST"]),
                Rule("/<version>/<object_id>/comments", endpoint="read_comments", methods=["GET"]),
                Rule("/<version>/<object_id>/posts", endpoint="read_posts", methods=["GET"]),
                Rule("/<version>/<object_id>", endpoint="delete", methods=["DELETE"]),
                Rule("/<version>/<object_id>", endpoint="read", methods=["GET"]),
            ]
        )

    @property
    def url(self) -> str:
        """The API's base URL, such as http://127.0.0.1:PORT (the version comes after)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def posts(self) -> list[dict[str, Any]]:
        """The Page's posts, oldest first."""
        return [o for o in self.objects.values() if o["kind"] == "post"]

    @property
    def comments(self) -> list[dict[str, Any]]:
        """Every comment, oldest first."""
        return [o for o in self.objects.values() if o["kind"] == "comment"]

    def register_app(self, app_id: str, app_secret: str, redirect_uri: str) -> OAuthProvider:
        """Register our app for Facebook Login; the person manages this Page (and `pages`)."""

        def short_token(_scopes: list[str]) -> dict[str, Any]:
            token = f"EAAGshort{secrets.token_urlsafe(12)}"
            self.user_tokens[token] = "short"
            return {"access_token": token, "token_type": "bearer", "expires_in": 5183}

        self.oauth = OAuthProvider(
            app_id,
            app_secret,
            redirect_uri,
            token=short_token,
            denied={
                "error": "access_denied",
                "error_code": "200",
                "error_description": "Permissions error",
                "error_reason": "user_denied",
            },
            bad_request=lambda words: json.loads(graph_error(400, 100, words).body),
            scope_separator=",",
        )
        return self.oauth

    def _oauth(self, endpoint: str, request: Request, params: dict[str, Any]) -> Response:
        """Facebook Login's dialog, the token endpoint, and the Pages a user token manages."""
        assert self.oauth is not None, "register_app first"
        if endpoint == "dialog":
            if request.method == "GET":
                return self.oauth.consent_page(request)
            return self.oauth.decide(request)
        if endpoint == "access_token":
            if params.get("grant_type") != "fb_exchange_token":
                return self.oauth.exchange({str(k): str(v) for k, v in params.items()})
            # A short-lived user token for a long-lived one (about 60 days).
            if (params.get("client_id"), params.get("client_secret")) != (
                self.oauth.client_id,
                self.oauth.client_secret,
            ) or self.user_tokens.get(str(params.get("fb_exchange_token"))) != "short":
                return _error(INVALID_TOKEN)
            token = f"EAAGlong{secrets.token_urlsafe(12)}"
            self.user_tokens[token] = "long"
            return _json(
                200, {"access_token": token, "token_type": "bearer", "expires_in": 5183944}
            )
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.user_tokens.get(bearer or str(params.get("access_token"))) is None:
            return _error(INVALID_TOKEN)
        mine = {
            "access_token": self.access_token,
            "category": "Community",
            "name": self.page_name,
            "id": self.page_id,
            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE"],
        }
        return _json(200, {"data": [mine, *self.pages], "paging": {"cursors": {}}})

    def fail_next(self, error: GraphError, times: int = 1, endpoint: str | None = None) -> None:
        """Answer the next `times` requests (to `endpoint` only: feed, comments, delete, read,
        read_comments)."""
        self._failures.add(error, times, endpoint)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """The recorded requests with this method and path."""
        return [r for r in self.requests if (r.method, r.path) == (method, path)]

    def add_comment(
        self, object_id: str, message: str, name: str, at: datetime | None = None
    ) -> dict[str, Any]:
        """Comment as a person on a post or a comment (at a given time, or now); return it."""
        person = {"name": name, "id": str(10**15 + sum(map(ord, name)) * 7919)}
        with self._lock:
            target = self.objects[object_id]
            if target["kind"] == "comment" and self.objects[target["parent"]]["kind"] == "comment":
                target = self.objects[target["parent"]]  # one level of replies only
            comment = self._new_object("comment", target["id"], message, person, at)
        return comment

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI app: record the request, then answer it."""
        request = Request(environ)
        body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            headers=dict(request.headers),
            query=request.args.to_dict(),
            body=body or {},
        )
        with self._lock:
            self.requests.append(recorded)
        try:
            response = self._answer(request, recorded)
        finally:
            request.close()  # an uploaded photo's spooled temporary file
        response.headers["facebook-api-version"] = API_VERSION
        response.headers["x-fb-trace-id"] = secrets.token_urlsafe(8)
        response.headers["x-fb-rev"] = "1017350591"
        return response(environ, start_response)

    def _answer(self, request: Request, recorded: RecordedRequest) -> Response:
        """Route, apply a queued failure, check the token, then do the work."""
        try:
            endpoint, args = self._routes.bind_to_environ(request.environ).match()
        except MethodNotAllowed:
            return _error(graph_error(400, 100, "Unsupported method", "GraphMethodException"))
        except NotFound:
            return _error(graph_error(400, 2500, "Unknown path components", "OAuthException"))
        failure = self._take_failure(endpoint)
        if failure is not None:
            return _error(failure)
        params = {**recorded.query, **recorded.body}
        if endpoint in ("dialog", "access_token", "accounts"):
            return self._oauth(endpoint, request, params)
        # Graph takes the token as a parameter or, as RFC 6750 has it, a Bearer header.
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if (bearer or params.get("access_token")) != self.access_token:
            return _error(INVALID_TOKEN)
        object_id = str(args["object_id"])
        if endpoint == "photos":
            if object_id != self.page_id:
                return _error(no_such_object(object_id, "post"))
            return self._upload_photo(request, params)
        if endpoint == "feed":
            if object_id != self.page_id:
                return _error(no_such_object(object_id, "post"))
            return self._create("post", f"{self.page_id}_{next(self._ids)}", None, params)
        if endpoint == "comments":
            if object_id not in self.objects:
                return _error(no_such_object(object_id, "post"))
            local = object_id.rsplit("_", 1)[-1]
            return self._create("comment", f"{local}_{next(self._ids)}", object_id, params)
        if endpoint == "read":
            return self._read(object_id, str(params.get("fields") or "name,id"))
        if endpoint == "read_comments":
            return self._read_comments(object_id, recorded.query)
        if endpoint == "read_posts":
            return self._read_posts(object_id, recorded.query)
        return self._delete(object_id)

    def _take_failure(self, endpoint: str) -> GraphError | None:
        """Pop the first queued failure meant for this endpoint, if any."""
        return self._failures.take(endpoint)

    def _upload_photo(self, request: Request, params: dict[str, Any]) -> Response:
        """Keep an uploaded photo of the Page, unpublished, for a post to attach."""
        upload = request.files.get("source")
        if upload is None:
            return _error(graph_error(400, 324, "Requires upload file", "OAuthException"))
        if str(params.get("published", "true")).lower() != "false":
            return _error(graph_error(400, 100, "This peer keeps unpublished photos only"))
        photo_id = str(next(self._ids))
        with self._lock:
            self.photos[photo_id] = {
                "data": upload.read(),
                "content_type": upload.mimetype,
                "alt_text": str(params.get("alt_text_custom") or ""),
                "attached_to": None,
            }
        return _json(200, {"id": photo_id})

    def _create(
        self, kind: str, object_id: str, parent: str | None, params: dict[str, Any]
    ) -> Response:
        """Make a post or comment with the message (and a post with its attached photos)."""
        message = str(params.get("message") or "")
        attached = []
        for n in itertools.count():
            raw = params.get(f"attached_media[{n}]")
            if raw is None:
                break
            photo_id = str(json.loads(raw).get("media_fbid"))
            photo = self.photos.get(photo_id)
            if kind != "post" or photo is None or photo["attached_to"] is not None:
                return _error(graph_error(400, 100, "(#100) Invalid parameter"))
            attached.append(photo_id)
        if not message.strip() and not attached:
            return _error(MISSING_MESSAGE)
        page = {"name": self.page_name, "id": self.page_id}
        with self._lock:
            for photo_id in attached:
                self.photos[photo_id]["attached_to"] = object_id
            self._new_object(kind, parent, message, page, object_id=object_id)
            self._creates += 1
            lost = self._creates in self._lost_answers
        if lost:
            return _error(UNKNOWN_ERROR)  # made, but the caller cannot know it
        return _json(200, {"id": object_id})

    def lose_answer(self, nth: int = 1) -> None:
        """Make the nth post or comment from now, then answer it with Graph's 500 (code 1)."""
        self._lost_answers.add(self._creates + nth)

    def _read_posts(self, object_id: str, query: dict[str, str]) -> Response:
        """The Page's posts, newest first, from `since` (Unix seconds), with the fields asked."""
        if object_id != self.page_id:
            return _error(no_such_object(object_id, "get"))
        since = int(query.get("since") or 0)
        fields = {f.strip() for f in (query.get("fields") or "message,created_time").split(",")}
        with self._lock:
            posts = [
                p
                for p in reversed(self.posts)
                if _parse_graph_time(p["created_time"]).timestamp() >= since
            ][: int(query.get("limit") or COMMENTS_LIMIT)]
        shown = [{k: v for k, v in p.items() if k in fields | {"id"}} for p in posts]
        return _json(200, {"data": shown})

    def _new_object(
        self,
        kind: str,
        parent: str | None,
        message: str,
        author: dict[str, str],
        at: datetime | None = None,
        object_id: str | None = None,
    ) -> dict[str, Any]:
        """Store a new post or comment (the caller holds the lock) and return it."""
        if object_id is None:
            local = str(parent).rsplit("_", 1)[-1]
            object_id = f"{local}_{next(self._ids)}"
        created = self.objects[object_id] = {
            "id": object_id,
            "kind": kind,
            "message": message,
            "parent": parent,
            "from": author,
            "created_time": _graph_time(at or datetime.now(UTC)),
        }
        return created

    def _read_comments(self, object_id: str, query: dict[str, str]) -> Response:
        """A page of an object's comments, in the order and with the fields asked for."""
        with self._lock:
            if object_id not in self.objects:
                return _error(no_such_object(object_id, "get"))
            if query.get("filter") == "stream":
                comments = [c for c in self.comments if self._post_of(c["id"]) == object_id]
            else:
                comments = [c for c in self.comments if c["parent"] == object_id]
            # Graph orders by time; comments made in the same second keep their order.
            comments.sort(key=lambda c: c["created_time"])
            if query.get("order") == "reverse_chronological":
                comments.reverse()
            named = {f.strip() for f in query.get("fields", "id").split(",") if f.strip()}
            return self._comments_page(object_id, comments, named, query)

    def _comments_page(
        self,
        object_id: str,
        comments: list[dict[str, Any]],
        fields: set[str],
        query: dict[str, str],
    ) -> Response:
        """Cut a page after or before a cursor; give the cursors and, if more follow, next."""
        ids = [c["id"] for c in comments]
        start = ids.index(_uncursor(query["after"])) + 1 if query.get("after") else 0
        end = len(ids)
        if query.get("before"):
            end = ids.index(_uncursor(query["before"]))
        limit = int(query.get("limit") or COMMENTS_LIMIT)
        page = comments[start:end][:limit]
        body: dict[str, Any] = {"data": [self._comment_fields(c, fields) for c in page]}
        if page:
            after = _cursor(page[-1]["id"])
            body["paging"] = {"cursors": {"before": _cursor(page[0]["id"]), "after": after}}
            if start + len(page) < end:
                more = {k: v for k, v in query.items() if k not in ("after", "before")}
                more["after"] = after
                body["paging"]["next"] = (
                    f"{self.url}/{API_VERSION}/{object_id}/comments?{urlencode(more)}"
                )
        return _json(200, body)

    def _comment_fields(self, comment: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        """A comment as Graph shows it, with the fields named (and always its id)."""
        post = self._post_of(comment["id"])
        local = comment["id"].rsplit("_", 1)[-1]
        full: dict[str, Any] = {
            "id": comment["id"],
            "message": comment["message"],
            "created_time": comment["created_time"],
            "from": comment["from"],
            "permalink_url": f"https://www.facebook.com/{post.replace('_', '/posts/')}"
            f"?comment_id={local}",
        }
        parent = self.objects.get(comment["parent"])
        if parent is not None and parent["kind"] == "comment":
            full["parent"] = {k: parent[k] for k in ("created_time", "from", "message", "id")}
        return {k: v for k, v in full.items() if k in fields | {"id"}}

    def _post_of(self, object_id: str) -> str:
        """The post a comment is (at last) on."""
        while self.objects[object_id]["kind"] == "comment":
            object_id = self.objects[object_id]["parent"]
        return object_id

    def _read(self, object_id: str, fields: str) -> Response:
        """The Page's requested fields; Graph always adds its id."""
        if object_id != self.page_id:
            return _error(no_such_object(object_id, "get"))
        page = {"id": self.page_id, "name": self.page_name}
        named = [f.strip() for f in fields.split(",") if f.strip()]
        answer = {f: page[f] for f in named if f in page}
        answer.setdefault("id", self.page_id)
        return _json(200, answer)

    def _delete(self, object_id: str) -> Response:
        """Delete an object and anything commenting on it."""
        with self._lock:
            if object_id not in self.objects:
                return _error(no_such_object(object_id))
            doomed = {object_id}
            for candidate in list(self.objects.values()):
                if candidate["parent"] in doomed:
                    doomed.add(candidate["id"])
            for gone in doomed:
                del self.objects[gone]
        return _json(200, {"success": True})


def _graph_time(moment: datetime) -> str:
    """A time as Graph writes it: whole seconds, with a +0000 offset."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _parse_graph_time(value: str) -> datetime:
    """Read a time as Graph writes it."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


def _cursor(object_id: str) -> str:
    """An opaque paging cursor naming an object, as Graph's base64 ones are."""
    return base64.urlsafe_b64encode(object_id.encode()).decode()


def _uncursor(cursor: str) -> str:
    """The object a cursor names."""
    return base64.urlsafe_b64decode(cursor.encode()).decode()


def _error(error: GraphError) -> Response:
    """The error response, with its headers."""
    response = Response(error.body, status=error.status, content_type=error.content_type)
    for name, value in error.headers:
        response.headers[name] = value
    response.headers["WWW-Authenticate"] = response.headers.get(
        "WWW-Authenticate", 'OAuth "Facebook Platform" "invalid_request"'
    )
    return response


def _json(status: int, payload: dict[str, Any]) -> Response:
    """A JSON response with this status."""
    return Response(json.dumps(payload), status=status, content_type=JSON_TYPE)
