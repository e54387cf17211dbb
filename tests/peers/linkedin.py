"""A local LinkedIn REST API for tests: the Posts and Comments endpoints, over real HTTP.

It answers the way LinkedIn's versioned API documents
(https://learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api):

- `POST /rest/posts` — 201, empty body, the new post's URN in `x-restli-id`; 422 when
  the commentary is over 3000 characters, and 422 "Content is a duplicate of <urn>" when
  the author already posted the same commentary.
- `POST /rest/socialActions/{urn}/comments` — 201 with the Comment (its `$URN`), the
  comment's id in `x-restli-id`.
- `DELETE /rest/posts/{urn}` and `DELETE /rest/socialActions/{urn}/comments/{id}?actor=`
  — 204.
- `POST /rest/images?action=initializeUpload` with {"initializeUploadRequest": {"owner"}}
  — {"value": {"uploadUrl", "uploadUrlExpiresAt", "image": "urn:li:image:…"}}; a `PUT`
  of the bytes to the uploadUrl (with the token) — 201. A post may then carry the image
  as `content.media` {"id", "altText"}, or several as `content.multiImage.images`
  (2 to 20); an image not uploaded, or another owner's, is 422.
- `GET /v2/userinfo` — the member's OpenID Connect claims, {"sub", "name", "given_name",
  "family_name", "picture", "locale", "email", "email_verified"}; `sub` is the id in the
  author's urn:li:person URN. Unversioned: it needs no `Linkedin-Version` header.

Every request needs `Authorization: Bearer <token>` (else 401 INVALID_ACCESS_TOKEN), and
every /rest request a `Linkedin-Version` header naming an active version (else 400
VERSION_MISSING or 426 NONEXISTENT_VERSION). Errors use LinkedIn's body: {"status",
"serviceErrorCode", "code", "message"}. Commentary is read back from little text format
into `posts[i]["text"]`.
`fail_next` makes the next requests fail with a chosen error (429, 5xx, 403 …).
`register_app` adds 3-legged OAuth (`/oauth/v2/authorization`, `/oauth/v2/accessToken`,
tests/peers/oauth_provider.py), granting the member's token for 60 days.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.peers.oauth_provider import OAuthProvider
from tests.peers.server import FailureQueue, LocalServer

ACCESS_TOKEN = "AQVpeerLinkedInAccessToken0123456789"
AUTHOR = "urn:li:person:8675309aB"
GIVEN_NAME = "Mere"
FAMILY_NAME = "Tāwhiri"
EMAIL = "mere@kaigarden.example"
ACTIVE_VERSIONS = frozenset({"202411", "202412", "202501", "202502", "202503"})
MAX_CHARACTERS = 3000
JSON_TYPE = "application/json"


@dataclass(frozen=True)
class LinkedInError:
    """An error response: status, body and any extra headers, as LinkedIn sends them."""

    status: int
    body: str
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()


def api_error(
    status: int, code: str, message: str, service_code: int | None = None
) -> LinkedInError:
    """LinkedIn's JSON error body."""
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return LinkedInError(status, json.dumps(body))


def validation_error(message: str, description: str, field: str, code: str) -> LinkedInError:
    """The 422 for a body that fails validation, naming the field."""
    body = {
        "errorDetailType": "com.linkedin.common.error.BadRequest",
        "message": message,
        "errorDetails": {
            "inputErrors": [
                {
                    "description": description,
                    "input": {"inputPath": {"fieldPath": field}},
                    "code": code,
                }
            ]
        },
        "status": 422,
    }
    return LinkedInError(422, json.dumps(body))


def rate_limited(retry_after: int | None = None) -> LinkedInError:
    """The 429 for a daily throttle; LinkedIn sends Retry-After only sometimes."""
    error = api_error(
        429,
        "TOO_MANY_REQUESTS",
        "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
        101,
    )
    if retry_after is None:
        return error
    return LinkedInError(429, error.body, headers=(("Retry-After", str(retry_after)),))


INVALID_TOKEN = api_error(401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600)
REVOKED_TOKEN = api_error(
    401, "REVOKED_ACCESS_TOKEN", "The token used in the request has been revoked by the user", 65601
)
ACCESS_DENIED = api_error(
    403,
    "ACCESS_DENIED",
    "Not enough permissions to access: partnerApiPostsExternal.CREATE.20250101",
    100,
)
VERSION_MISSING = api_error(
    400,
    "VERSION_MISSING",
    "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
)
# userinfo for a token granted without the openid and profile scopes.
NO_OPENID_SCOPE = api_error(
    403, "ACCESS_DENIED", "Not enough permissions to access: userinfo.GET.NO_VERSION", 100
)
INTERNAL_ERROR = LinkedInError(500, json.dumps({"message": "Internal Server Error", "status": 500}))
GATEWAY_TIMEOUT = LinkedInError(
    504, "<html><body><h1>504 Gateway Time-out</h1></body></html>", content_type="text/html"
)
TOO_LONG = validation_error(
    "Text exceeds the maximum allowed length",
    f"Length of commentary exceeds the maximum of {MAX_CHARACTERS}",
    "/commentary",
    "FIELD_LENGTH_TOO_LONG",
)


def duplicate_of(urn: str) -> LinkedInError:
    """The 422 for commentary the author already posted."""
    return validation_error(
        f"Content is a duplicate of {urn}", "Duplicate post is detected", "", "DUPLICATE_POST"
    )


def invalid(description: str) -> LinkedInError:
    """The 422 for a post's content that names no usable image."""
    return validation_error("Invalid content", description, "/content", "INVALID_VALUE")


def not_found(urn: str) -> LinkedInError:
    """The 404 for an entity that does not exist."""
    return api_error(404, "NOT_FOUND", f"Not Found: {urn}")


def read_little_text(commentary: str) -> str:
    """The plain text a little-text commentary shows: every backslash escape undone."""
    return re.sub(r"\\(.)", r"\1", commentary, flags=re.DOTALL)


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the peer received it; `raw_path` is the path still percent-encoded."""

    method: str
    path: str
    raw_path: str
    headers: dict[str, str]
    query: dict[str, str]
    body: dict[str, Any]


class LinkedInPeer(LocalServer):
    """LinkedIn's REST API for one member on 127.0.0.1, recording what it is sent."""

    name = "linkedin-peer"

    def __init__(
        self,
        access_token: str = ACCESS_TOKEN,
        author: str = AUTHOR,
        given_name: str = GIVEN_NAME,
        family_name: str = FAMILY_NAME,
        email: str = EMAIL,
    ) -> None:
        super().__init__()
        self.access_token = access_token
        self.author = author
        # The member's OpenID Connect claims; `sub` is the id in the author's person URN.
        self.userinfo: dict[str, Any] = {
            "sub": author.rsplit(":", 1)[-1],
            "email_verified": True,
            "name": f"{given_name} {family_name}",
            "locale": {"country": "NZ", "language": "en"},
            "given_name": given_name,
            "family_name": family_name,
            "email": email,
            "picture": "https://media.licdn.com/dms/image/v2/peer/profile-displayphoto",
        }
        self.requests: list[RecordedRequest] = []
        self.posts: list[dict[str, Any]] = []  # {"urn", "activity", "body", "text"}
        self.comments: list[dict[str, Any]] = []  # the Comment entities, as answered
        # Images by URN: the upload token, then the bytes and content type PUT to it.
        self.images: dict[str, dict[str, Any]] = {}
        self._failures: FailureQueue[LinkedInError] = FailureQueue()
        self._ids = itertools.count(7260000000000000001, 2)  # odd: activities take the even
        self._lock = threading.Lock()
        self._routes = Map(
            [
                Rule("/rest/posts", endpoint="create_post", methods=["POST"]),
                Rule("/rest/images", endpoint="images", methods=["POST"]),
                Rule("/dms-uploads/<token>", endpoint="upload", methods=["PUT"]),
                Rule("/rest/posts/<urn>", endpoint="delete_post", methods=["DELETE"]),
                Rule(
                    "/rest/socialActions/<urn>/comments",
                    endpoint="create_comment",
                    methods=["POST"],
                ),
                Rule(
                    "/rest/socialActions/<urn>/comments/<comment_id>",
                    endpoint="delete_comment",
                    methods=["DELETE"],
                ),
                Rule("/v2/userinfo", endpoint="userinfo", methods=["GET"]),
                Rule("/oauth/v2/authorization", endpoint="authorize", methods=["GET", "POST"]),
                Rule("/oauth/v2/accessToken", endpoint="token", methods=["POST"]),
            ]
        )
        self.oauth: OAuthProvider | None = None  # once register_app is called

    @property
    def url(self) -> str:
        """The API's base URL, such as http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    def register_app(self, client_id: str, client_secret: str, redirect_uri: str) -> OAuthProvider:
        """Register our app for 3-legged OAuth; the member's token is what it grants."""
        self.oauth = OAuthProvider(
            client_id,
            client_secret,
            redirect_uri,
            token=lambda scopes: {
                "access_token": self.access_token,
                "expires_in": 5184000,  # 60 days, as LinkedIn's member tokens last
                "scope": ",".join(scopes),
                "token_type": "Bearer",
            },
            denied={
                "error": "user_cancelled_authorize",
                "error_description": "The user cancelled the authorization",
            },
            bad_request=lambda words: {"error": "invalid_request", "error_description": words},
        )
        return self.oauth

    def fail_next(self, error: LinkedInError, times: int = 1, endpoint: str | None = None) -> None:
        """Answer the next `times` requests (to `endpoint` only, if given) with this error.

        Endpoints: "create_post", "delete_post", "create_comment", "delete_comment",
        "userinfo".
        """
        self._failures.add(error, times, endpoint)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """The recorded requests with this method and (decoded) path."""
        return [r for r in self.requests if (r.method, r.path) == (method, path)]

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI app: record the request, then answer it."""
        request = Request(environ)
        raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.path)
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            raw_path=raw.split("?", 1)[0],
            headers=dict(request.headers),
            query=request.args.to_dict(),
            body=request.get_json(silent=True) or {},
        )
        with self._lock:
            self.requests.append(recorded)
        response = self._answer(request, recorded)
        response.headers["x-li-uuid"] = str(uuid.uuid4())
        response.headers["x-li-fabric"] = "prod-lor1"
        return response(environ, start_response)

    def _answer(self, request: Request, recorded: RecordedRequest) -> Response:
        """Route, check token and version, apply a queued failure, then do the work."""
        try:
            endpoint, args = self._routes.bind_to_environ(request.environ).match()
        except (NotFound, MethodNotAllowed):
            return _error(api_error(404, "NOT_FOUND", f"No resource at {request.path}"))
        if endpoint in ("authorize", "token"):
            assert self.oauth is not None, "register_app first"
            if endpoint == "token":
                return self.oauth.exchange(request.form.to_dict())
            if request.method == "GET":
                return self.oauth.consent_page(request)
            return self.oauth.decide(request)
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return _error(INVALID_TOKEN)
        if endpoint == "userinfo":
            failure = self._take_failure(endpoint)
            return _error(failure) if failure is not None else _json(200, self.userinfo)
        version = request.headers.get("Linkedin-Version")
        if not version:
            return _error(VERSION_MISSING)
        if version not in ACTIVE_VERSIONS:
            return _error(
                api_error(426, "NONEXISTENT_VERSION", f"Requested version {version} is not active")
            )
        failure = self._take_failure(endpoint)
        if failure is not None:
            return _error(failure)
        urn = unquote(str(args.get("urn", "")))
        if endpoint == "images":
            return self._initialize_upload(request, recorded.body or {})
        if endpoint == "upload":
            return self._receive_upload(args["token"], request)
        if endpoint == "create_post":
            return self._create_post(recorded.body)
        if endpoint == "create_comment":
            return self._create_comment(urn, recorded.body)
        if endpoint == "delete_post":
            return self._delete_post(urn)
        return self._delete_comment(urn, str(args["comment_id"]), recorded.query.get("actor"))

    def _take_failure(self, endpoint: str) -> LinkedInError | None:
        """Pop the first queued failure meant for this endpoint, if any."""
        return self._failures.take(endpoint)

    def _initialize_upload(self, request: Request, body: dict[str, Any]) -> Response:
        """Start an image upload for the author: where to PUT it, and the image's URN."""
        owner = (body.get("initializeUploadRequest") or {}).get("owner")
        if request.args.get("action") != "initializeUpload" or owner != self.author:
            return _error(ACCESS_DENIED)
        token = uuid.uuid4().hex
        urn = f"urn:li:image:C4E10AQ{token[:16]}"
        with self._lock:
            self.images[urn] = {"token": token, "data": None, "content_type": ""}
        return _json(
            200,
            {
                "value": {
                    "uploadUrlExpiresAt": 1764003600000,
                    "uploadUrl": f"{self.url}/dms-uploads/{token}",
                    "image": urn,
                }
            },
        )

    def _receive_upload(self, token: str, request: Request) -> Response:
        """Keep the bytes PUT to an upload URL."""
        with self._lock:
            image = next((i for i in self.images.values() if i["token"] == token), None)
            if image is None:
                return _error(not_found(token))
            image["data"] = request.get_data()
            image["content_type"] = request.mimetype
        return Response(status=201)

    def _create_post(self, body: dict[str, Any]) -> Response:
        """Publish a post; 201 with its URN in x-restli-id."""
        if body.get("author") != self.author:
            return _error(ACCESS_DENIED)
        content = body.get("content") or {}
        wanted = (
            [content["media"]]
            if "media" in content
            else list((content.get("multiImage") or {}).get("images") or [])
        )
        if "multiImage" in content and not 2 <= len(wanted) <= 20:
            return _error(invalid("a multiImage post has 2 to 20 images"))
        for entry in wanted:
            image = self.images.get(str(entry.get("id")))
            if image is None or image["data"] is None:
                return _error(invalid(f"{entry.get('id')} is not an uploaded image"))
        commentary = str(body.get("commentary") or "")
        text = read_little_text(commentary)
        if len(text) > MAX_CHARACTERS:
            return _error(TOO_LONG)
        with self._lock:
            earlier = next((p for p in self.posts if p["body"]["commentary"] == commentary), None)
            if earlier is not None:
                return _error(duplicate_of(earlier["urn"]))
            number = next(self._ids)
            urn = f"urn:li:share:{number}"
            self.posts.append(
                {
                    "urn": urn,
                    "activity": f"urn:li:activity:{number + 1}",
                    "body": body,
                    "text": text,
                }
            )
        response = Response(status=201)
        response.headers["x-restli-id"] = urn
        response.headers["x-linkedin-id"] = urn
        return response

    def _create_comment(self, target: str, body: dict[str, Any]) -> Response:
        """Comment on a post; 201 with the Comment entity."""
        post = self._post(target)
        if post is None:
            return _error(not_found(target))
        if body.get("actor") != self.author:
            return _error(ACCESS_DENIED)
        text = str((body.get("message") or {}).get("text") or "")
        comment_id = str(next(self._ids))
        comment = {
            "actor": self.author,
            "agent": self.author,
            "id": comment_id,
            "$URN": f"urn:li:comment:({post['activity']},{comment_id})",
            "object": target,
            "message": {"text": text},
            "created": {"actor": self.author, "time": 1764000000000},
            "lastModified": {"actor": self.author, "time": 1764000000000},
            "commentUrn": f"urn:li:comment:({post['activity']},{comment_id})",
        }
        with self._lock:
            self.comments.append(comment)
        response = _json(201, comment)
        response.headers["x-restli-id"] = comment_id
        return response

    def _delete_post(self, urn: str) -> Response:
        """Delete a post; 204."""
        post = self._post(urn)
        if post is None:
            return _error(not_found(urn))
        with self._lock:
            self.posts.remove(post)
        return Response(status=204)

    def _delete_comment(self, target: str, comment_id: str, actor: str | None) -> Response:
        """Delete a comment as its actor; 204."""
        with self._lock:
            comment = next((c for c in self.comments if c["id"] == comment_id), None)
            if comment is None or not any(target in (p["urn"], p["activity"]) for p in self.posts):
                return _error(not_found(f"urn:li:comment:({target},{comment_id})"))
            if actor != comment["actor"]:
                return _error(ACCESS_DENIED)
            self.comments.remove(comment)
        return Response(status=204)

    def _post(self, urn: str) -> dict[str, Any] | None:
        """The post with this share or activity URN, if it exists."""
        with self._lock:
            return next((p for p in self.posts if urn in (p["urn"], p["activity"])), None)


def _error(error: LinkedInError) -> Response:
    """The error response, with its headers."""
    response = Response(error.body, status=error.status, content_type=error.content_type)
    for name, value in error.headers:
        response.headers[name] = value
    return response


def _json(status: int, payload: dict[str, Any]) -> Response:
    """A JSON response with this status."""
    return Response(json.dumps(payload), status=status, content_type=JSON_TYPE)
