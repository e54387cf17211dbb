"""A small HTTP client for connectors that speak to a platform's REST API directly.

It sends through the injected requests.Session with a timeout and turns failures into
the connector errors: no answer, a timeout or a 5xx is transient; 429 is transient with
a retry delay; 401 is an auth error; any other 4xx is rejected content in the platform's
own words. Each platform supplies how to read its error bodies, and may reclassify a
failure when the body knows better than the status (Graph API error codes).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from workers.platforms.errors import (
    AuthError,
    ContentRejected,
    DuplicatePost,
    PlatformError,
    TransientError,
)

REQUEST_TIMEOUT_SECONDS = 20

# Failure kinds a platform's error reader may decide on, as the errors module names them.
TRANSIENT = TransientError.kind
AUTH = AuthError.kind
CONTENT = ContentRejected.kind
DUPLICATE = "duplicate"  # rejected content that repeats a recent post: DuplicatePost

# Failures of the connection itself: the request may not have arrived, so try again.
_NO_ANSWER = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class ApiFailure:
    """What a platform's error response says, as its connector reads it."""

    message: str
    kind: str | None = None  # TRANSIENT, AUTH, CONTENT or DUPLICATE when the body decides
    retry_after: float | None = None  # seconds, from the platform's own rate-limit headers


ErrorReader = Callable[[requests.Response], ApiFailure]
"""Read a platform's error response: its message, and a kind when the body decides."""


class HttpApi:
    """Requests to one platform's API through a shared session, failures translated."""

    def __init__(
        self,
        platform: str,
        http: requests.Session,
        read_error: ErrorReader,
        headers: Mapping[str, str] | None = None,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
    ) -> None:
        self.platform = platform
        self._http = http
        self._read_error = read_error
        # Sent with every request, without touching the session other connectors share.
        self._headers = dict(headers or {})
        self._timeout = timeout

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send one request; return a 2xx response or raise the translated error."""
        headers = {**self._headers, **kwargs.pop("headers", {})}
        try:
            response = self._http.request(
                method, url, headers=headers, timeout=self._timeout, **kwargs
            )
        except _NO_ANSWER as exc:
            raise TransientError(self.platform, f"no answer ({type(exc).__name__})") from exc
        if response.ok:
            return response
        raise self._failure(response)

    def json(self, response: requests.Response) -> dict[str, Any]:
        """Return a success response's JSON object, or raise if it is something else."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            # The request was accepted but the answer is unreadable: retrying might post
            # twice, so this is neither transient nor the text's fault.
            raise PlatformError(self.platform, f"unexpected answer (HTTP {response.status_code})")
        return body

    def _failure(self, response: requests.Response) -> PlatformError:
        """The connector error for a non-2xx response."""
        failure = self._read_error(response)
        status = response.status_code
        kind = failure.kind or _kind_of_status(status)
        message = failure.message or f"HTTP {status}"
        if kind == TRANSIENT:
            retry_after = retry_after_header(response)
            if retry_after is None:
                retry_after = failure.retry_after
            return TransientError(self.platform, message, retry_after=retry_after)
        if kind == AUTH:
            return AuthError(self.platform, message)
        if kind == DUPLICATE:
            return DuplicatePost(self.platform)
        return ContentRejected(self.platform, message)


def _kind_of_status(status: int) -> str:
    """The failure kind an HTTP status implies when the body says nothing more."""
    if status == 429 or status >= 500:
        return TRANSIENT
    if status == 401:
        return AUTH
    return CONTENT


def retry_after_header(response: requests.Response) -> float | None:
    """Seconds from a Retry-After header, in either of its forms (delay or HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def json_body(response: requests.Response) -> dict[str, Any]:
    """An error response's JSON object, or {} when it is HTML from a proxy or empty."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
