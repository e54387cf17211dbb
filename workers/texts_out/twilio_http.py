"""The twilio SDK's HTTP client, pointed at TWILIO_API_URL instead of api.twilio.com."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response as TwilioResponse


class ApiUrlHttpClient(TwilioHttpClient):
    """The SDK's HTTP client, sending its api.twilio.com calls to TWILIO_API_URL instead.

    In production the two are the same; without a Twilio account it is the gateway's
    stand-in for `smsbridge simulate`, and in tests a local Twilio.
    """

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        target = urlsplit(base_url)
        self._scheme, self._netloc, self._prefix = target.scheme, target.netloc, target.path

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
        """Send the request to the same path under TWILIO_API_URL."""
        parts = urlsplit(url)
        moved = urlunsplit((self._scheme, self._netloc, self._prefix + parts.path, parts.query, ""))
        return super().request(
            method,
            moved,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )
