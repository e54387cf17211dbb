"""A local Twilio REST API for tests: Messages and their Media over real HTTP on 127.0.0.1.

It answers `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` the way Twilio
documents it (https://www.twilio.com/docs/messaging/api/message-resource): HTTP Basic
auth with the account SID and auth token, form-encoded parameters, a Message resource
with status 201, and Twilio's JSON error body otherwise. `fail_next` makes the next
requests fail with a chosen Twilio error. The real twilio SDK reaches it through
`LocalTwilioHttpClient`, which sends every api.twilio.com URL to the peer instead and
keeps each answer. tests/peers/twilio_prism.py checks the peer's Messages against
Twilio's own OpenAPI description.

An inbound MMS's attachments are Media resources of its message
(https://www.twilio.com/docs/messaging/api/media-resource): `add_media` makes one,
a GET of its URL with the account's credentials answers with a redirect to the file
(as Twilio does, to storage that needs no credentials), and a DELETE of its `.json`
removes it (204; 404 once gone).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http import HTTPStatus
from typing import Any

from twilio.http.response import Response as TwilioResponse
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.peers.server import LocalServer
from workers.texts_out.twilio_http import ApiUrlHttpClient

API_VERSION = "2010-04-01"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "peer-auth-token-0123456789abcdef"
MAX_BODY = 1600  # characters Twilio accepts in one message body


@dataclass(frozen=True)
class TwilioError:
    """One of Twilio's documented API errors; `{to}` in the message becomes the To number.

    `headers` go out with the error. Twilio documents none (not even Retry-After on a
    429: its docs say back off and retry), so only a test that asks for one gets it.
    `problem_details` answers in the RFC 9457 shape of Twilio's newer APIs, which the
    SDK raises as TwilioServiceException, instead of the Messages API's own shape.
    """

    status: int
    code: int
    message: str
    headers: tuple[tuple[str, str], ...] = field(default=())
    problem_details: bool = False


# https://www.twilio.com/docs/api/errors
AUTHENTICATE = TwilioError(401, 20003, "Authenticate")
NOT_FOUND = TwilioError(404, 20404, "The requested resource {path} was not found")
METHOD_NOT_ALLOWED = TwilioError(405, 20004, "Method not allowed")
BODY_REQUIRED = TwilioError(400, 21602, "Message body is required.")
SENDER_REQUIRED = TwilioError(
    400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message"
)
TO_REQUIRED = TwilioError(400, 21604, "A 'To' phone number is required.")
BODY_TOO_LONG = TwilioError(
    400, 21617, "The concatenated message body exceeds the 1600 character limit."
)
UNSUBSCRIBED = TwilioError(400, 21610, "Attempt to send to unsubscribed recipient")
INVALID_TO = TwilioError(400, 21211, "The 'To' number {to} is not a valid phone number.")
TOO_MANY_REQUESTS = TwilioError(429, 20429, "Too Many Requests")
INTERNAL_ERROR = TwilioError(500, 20500, "Internal Server Error")
SERVICE_UNAVAILABLE = TwilioError(503, 20503, "Service unavailable")


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the peer received it; `form` keeps the first value of each field."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]


class TwilioPeer(LocalServer):
    """Twilio's Messages API on 127.0.0.1, for one account, recording what it is sent."""

    name = "twilio-peer"

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.requests: list[RecordedRequest] = []
        self.messages: list[dict[str, Any]] = []  # the Message resources created
        self.arrivals: list[float] = []  # when each was created (time.monotonic), in order
        self._failures: deque[TwilioError] = deque()
        self._lock = threading.Lock()
        # (message sid, media sid) → (bytes, content type); a file's token → the same key
        self.media: dict[tuple[str, str], tuple[bytes, str]] = {}
        self.deleted_media: list[str] = []
        self._files: dict[str, tuple[str, str]] = {}
        media = f"/{API_VERSION}/Accounts/<account_sid>/Messages/<message_sid>/Media/<media_sid>"
        self._routes = Map(
            [
                Rule(
                    f"/{API_VERSION}/Accounts/<account_sid>/Messages.json",
                    endpoint="messages",
                    methods=["POST"],
                ),
                Rule(media, endpoint="media_file", methods=["GET"]),
                Rule(f"{media}.json", endpoint="media_delete", methods=["DELETE"]),
            ]
        )

    @property
    def url(self) -> str:
        """The peer's base URL, such as http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        """Forget every request, Message, Media and queued failure: a fresh peer."""
        with self._lock:
            self.requests.clear()
            self.messages.clear()
            self.arrivals.clear()
            self._failures.clear()
            self.media.clear()
            self.deleted_media.clear()
            self._files.clear()

    def add_media(self, message_sid: str, data: bytes, content_type: str) -> str:
        """Keep an attachment of an inbound message; return its MediaUrl as a webhook gives it."""
        media_sid = "ME" + secrets.token_hex(16)
        with self._lock:
            self.media[(message_sid, media_sid)] = (data, content_type)
            self._files[secrets.token_urlsafe(16)] = (message_sid, media_sid)
        return (
            f"{self.url}/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message_sid}"
            f"/Media/{media_sid}"
        )

    def fail_next(self, error: TwilioError, times: int = 1) -> None:
        """Answer the next `times` well-formed, authenticated requests with this error."""
        with self._lock:
            self._failures.extend([error] * times)

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI app: record the request, then answer it."""
        request = Request(environ)
        if request.path.startswith("/files/"):  # where a Media URL redirects: no credentials
            return self._file(request.path.removeprefix("/files/"))(environ, start_response)
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.path,
                    headers=dict(request.headers),
                    form=request.form.to_dict(),
                )
            )
        response = self._answer(request)
        response.headers["Twilio-Request-Id"] = "RQ" + secrets.token_hex(16)
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        """Check the credentials and the route, as Twilio does before anything else."""
        auth = request.authorization
        if (
            auth is None
            or auth.type != "basic"
            or (auth.username, auth.password) != (self.account_sid, self.auth_token)
        ):
            return _error(AUTHENTICATE)
        try:
            endpoint, args = self._routes.bind_to_environ(request.environ).match()
        except MethodNotAllowed:
            return _error(METHOD_NOT_ALLOWED)
        except NotFound:
            return _error(NOT_FOUND, path=request.path)
        if args["account_sid"] != self.account_sid:
            return _error(NOT_FOUND, path=request.path)
        if endpoint == "media_file":
            return self._redirect_to_file(args["message_sid"], args["media_sid"], request.path)
        if endpoint == "media_delete":
            return self._delete_media(args["message_sid"], args["media_sid"], request.path)
        return self._create_message(request.form.to_dict())

    def _redirect_to_file(self, message_sid: str, media_sid: str, path: str) -> Response:
        """Answer a Media URL with a redirect to where the file is kept, as Twilio does."""
        with self._lock:
            token = next(
                (t for t, key in self._files.items() if key == (message_sid, media_sid)), None
            )
            with_failure = self._failures.popleft() if self._failures else None
        if with_failure is not None:
            return _error(with_failure)
        if token is None or (message_sid, media_sid) not in self.media:
            return _error(NOT_FOUND, path=path)
        return Response(status=307, headers={"Location": f"{self.url}/files/{token}"})

    def _file(self, token: str) -> Response:
        """The file a Media URL redirected to."""
        with self._lock:
            key = self._files.get(token)
            kept = self.media.get(key) if key else None
        if kept is None:
            return Response("NoSuchKey", status=404)
        data, content_type = kept
        return Response(data, status=200, content_type=content_type)

    def _delete_media(self, message_sid: str, media_sid: str, path: str) -> Response:
        """Delete a Media resource: 204, or Twilio's 404 when it is already gone."""
        with self._lock:
            with_failure = self._failures.popleft() if self._failures else None
            if with_failure is not None:
                return _error(with_failure)
            if self.media.pop((message_sid, media_sid), None) is None:
                return _error(NOT_FOUND, path=path)
            self.deleted_media.append(media_sid)
        return Response(status=204)

    def _create_message(self, form: dict[str, str]) -> Response:
        """Validate the parameters, then fail as told or create the Message."""
        to = form.get("To", "")
        body = form.get("Body", "")
        sender, service = form.get("From", ""), form.get("MessagingServiceSid", "")
        if not to:
            return _error(TO_REQUIRED)
        if not (sender or service):
            return _error(SENDER_REQUIRED)
        if not (body or form.get("MediaUrl") or form.get("ContentSid")):
            return _error(BODY_REQUIRED)
        if len(body) > MAX_BODY:
            return _error(BODY_TOO_LONG)
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
        if failure is not None:
            return _error(failure, to=to)
        message = self._message(to, body, sender, service, media=1 if form.get("MediaUrl") else 0)
        with self._lock:
            self.messages.append(message)
            self.arrivals.append(time.monotonic())
        return _json(201, message)

    def _message(self, to: str, body: str, sender: str, service: str, media: int) -> dict[str, Any]:
        """A Message resource as Twilio returns it from create."""
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC))
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}"
        # Through a Messaging Service, Twilio picks the sender later: no From yet, 0 segments.
        accepted = bool(service) and not sender
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender or None,
            "messaging_service_sid": service or None,
            "num_media": str(media),
            "num_segments": "0" if accepted else str(_rough_segments(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if accepted else "queued",
            "subresource_uris": {
                "media": f"{base}/Media.json",
                "feedback": f"{base}/Feedback.json",
            },
            "to": to,
            "uri": f"{base}.json",
        }


def _rough_segments(body: str) -> int:
    """Segments as Twilio counts them, roughly: ASCII as GSM-7, anything else as UCS-2."""
    single, multi = (160, 153) if body.isascii() else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // multi)


def _error(error: TwilioError, **fields: str) -> Response:
    """Twilio's JSON error body for one of its errors."""
    message = error.message.format_map(defaultdict(str, fields))
    more_info = f"https://www.twilio.com/docs/errors/{error.code}"
    if error.problem_details:
        response = _json(
            error.status,
            {
                "type": more_info,
                "title": HTTPStatus(error.status).phrase,
                "status": error.status,
                "code": error.code,
                "detail": message,
            },
            mimetype="application/problem+json",
        )
    else:
        response = _json(
            error.status,
            {
                "code": error.code,
                "message": message,
                "more_info": more_info,
                "status": error.status,
            },
        )
    response.headers.extend(error.headers)
    return response


def _json(status: int, payload: dict[str, Any], mimetype: str = "application/json") -> Response:
    """A JSON response with this status."""
    return Response(json.dumps(payload), status=status, mimetype=mimetype)


class LocalTwilioHttpClient(ApiUrlHttpClient):
    """The SDK's own HTTP client, sending every Twilio API URL to a local peer, keeping answers."""

    def __init__(self, base_url: str, timeout: float = 5.0) -> None:
        super().__init__(base_url, timeout)
        self.responses: list[TwilioResponse] = []  # every answer, in order

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        """Send to the peer, as TWILIO_API_URL would; keep the answer."""
        response = super().request(
            method, url, params, data, headers, auth, timeout, allow_redirects
        )
        self.responses.append(response)
        return response

    def close(self) -> None:
        """Close the pooled connections."""
        if self.session is not None:
            self.session.close()
