"""Where outbound texts go: Twilio's REST API, or the local outbox.

When Twilio refuses a text, the sender raises one of these, each saying what the
caller should do (https://www.twilio.com/docs/api/errors):

    SmsSendError            not handed over: `code` (Twilio's), `status` (HTTP),
    │                       `transient` (worth trying again), `retry_after`
    ├── RecipientOptedOut   21610: the number replied STOP; mark it opted out
    ├── InvalidRecipient    21211: not a phone number Twilio can text; drop the text
    └── RateLimited         20429 or HTTP 429: try again later, after `retry_after`
                            seconds when Twilio said so, else with backoff

Any other 4xx is a permanent SmsSendError; a 5xx or no answer at all is transient.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlencode

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.rest import Client as TwilioClient

OPTED_OUT = 21610  # "Attempt to send to unsubscribed recipient"
INVALID_TO = 21211  # "Invalid 'To' Phone Number"
RATE_LIMITED = 20429  # "Too Many Requests"
TOO_MANY_REQUESTS = 429


@dataclass(frozen=True)
class SmsResult:
    """What the carrier side said about a text handed to it."""

    status: str
    sid: str | None = None


class SmsSendError(Exception):
    """A text could not be handed over; `transient` says whether to try again."""

    def __init__(
        self,
        message: str,
        code: int | None,
        transient: bool,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.transient = transient
        self.status = status
        self.retry_after = retry_after


class RecipientOptedOut(SmsSendError):
    """The recipient replied STOP to this sender (21610): nothing more may be sent to it."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message, OPTED_OUT, transient=False, status=status)


class InvalidRecipient(SmsSendError):
    """The 'To' number is not one Twilio can text (21211): the text is dropped."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message, INVALID_TO, transient=False, status=status)


class RateLimited(SmsSendError):
    """Twilio is refusing requests for now (20429, HTTP 429); the text goes later."""

    def __init__(
        self, message: str, code: int | None, *, status: int | None, retry_after: float | None
    ) -> None:
        super().__init__(message, code, transient=True, status=status, retry_after=retry_after)


def classify_refusal(
    message: str, code: int | None, status: int, retry_after: float | None = None
) -> SmsSendError:
    """Turn Twilio's refusal (its error code and HTTP status) into the error to raise."""
    if code == OPTED_OUT:
        return RecipientOptedOut(message, status=status)
    if code == INVALID_TO:
        return InvalidRecipient(message, status=status)
    if code == RATE_LIMITED or status == TOO_MANY_REQUESTS:
        return RateLimited(message, code, status=status, retry_after=retry_after)
    return SmsSendError(message, code, transient=status >= 500, status=status)


def seconds_to_wait(retry_after: str | None, now: datetime | None = None) -> float | None:
    """Read a Retry-After header (seconds, or an HTTP date) as seconds from now."""
    if not retry_after:
        return None
    value = retry_after.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT, even when it forgets to say so
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class SmsSender(Protocol):
    """Something that sends one text."""

    def send(self, to: str, body: str, reference: str = "") -> SmsResult:
        """Hand the text over; raise SmsSendError when it cannot be.

        The reference (our row id) comes back with status callbacks, so one that
        arrives before we have stored Twilio's sid still finds its row.
        """
        ...


class OutboxSender:
    """Keep texts in the outbox (the database) instead of sending them."""

    def send(self, to: str, body: str, reference: str = "") -> SmsResult:
        """Leave the text in the outbox: nothing leaves this machine."""
        return SmsResult(status="outbox")


class TwilioSender:
    """Send texts with Twilio's Messages API and ask for status callbacks."""

    def __init__(
        self,
        client: TwilioClient,
        *,
        from_: str = "",
        messaging_service_sid: str = "",
        status_callback: str = "",
    ) -> None:
        if not (from_ or messaging_service_sid):
            raise ValueError("Twilio needs TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID")
        self._client = client
        self._from = from_
        self._messaging_service_sid = messaging_service_sid
        self._status_callback = status_callback
        # The SDK's exceptions drop the response headers, so Retry-After is noted as
        # each answer arrives, per thread, from the SDK's own requests session.
        self._answer = threading.local()
        session = getattr(client.http_client, "session", None)
        if isinstance(session, requests.Session):
            session.hooks["response"].append(self._note_retry_after)

    def _note_retry_after(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Remember the Retry-After of the answer just received (None when it has none)."""
        self._answer.retry_after = response.headers.get("Retry-After")

    def send(self, to: str, body: str, reference: str = "") -> SmsResult:
        """Create the message at Twilio; classify Twilio's refusal if it refuses."""
        sender = (
            {"messaging_service_sid": self._messaging_service_sid}
            if self._messaging_service_sid
            else {"from_": self._from}
        )
        callback = self._status_callback
        if callback and reference:
            callback = f"{callback}?{urlencode({'ref': reference})}"
        self._answer.retry_after = None
        try:
            message = self._client.messages.create(
                to=to, body=body, status_callback=callback or None, **sender
            )
        except TwilioRestException as exc:
            # With no Twilio code in the body, the SDK puts the HTTP status there instead.
            code = exc.code if exc.code != exc.status else None
            raise self._refusal(exc.msg, code, exc.status) from exc
        except TwilioServiceException as exc:
            # The SDK's newer error shape (RFC 9457 problem details, with Twilio's code).
            message_text = f"{exc.title}: {exc.detail}" if exc.detail else exc.title
            raise self._refusal(message_text, exc.code, exc.status) from exc
        except requests.RequestException as exc:
            raise SmsSendError(f"Twilio unreachable: {exc}", None, transient=True) from exc
        return SmsResult(status=str(message.status or "queued"), sid=message.sid)

    def _refusal(self, message: str, code: int | None, status: int) -> SmsSendError:
        """The error for Twilio's refusal, with any Retry-After it sent."""
        retry_after = seconds_to_wait(getattr(self._answer, "retry_after", None))
        return classify_refusal(message, code, status, retry_after)
