"""Where outbound texts go: Twilio's REST API, or the local outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client as TwilioClient

# Twilio error codes that mean "this text will never go": opted out, not a number,
# not a mobile, unreachable country. Everything else 4xx is also permanent, but these
# deserve their own words. https://www.twilio.com/docs/api/errors
OPTED_OUT = 21610
RATE_LIMITED = 20429


@dataclass(frozen=True)
class SmsResult:
    """What the carrier side said about a text handed to it."""

    status: str
    sid: str | None = None


class SmsSendError(Exception):
    """A text could not be handed over; `transient` says whether to try again."""

    def __init__(self, message: str, code: int | None, transient: bool) -> None:
        super().__init__(message)
        self.code = code
        self.transient = transient


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
        try:
            message = self._client.messages.create(
                to=to, body=body, status_callback=callback or None, **sender
            )
        except TwilioRestException as exc:
            transient = exc.status >= 500 or exc.status == 429 or exc.code == RATE_LIMITED
            raise SmsSendError(exc.msg, exc.code, transient) from exc
        except requests.RequestException as exc:
            raise SmsSendError(f"Twilio unreachable: {exc}", None, transient=True) from exc
        return SmsResult(status=str(message.status or "queued"), sid=message.sid)
