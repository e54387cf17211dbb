"""Inbound webhooks as Twilio signs them: for the simulator page, `smsbridge simulate` and tests."""

from __future__ import annotations

import uuid

import requests
from twilio.request_validator import RequestValidator

from config import Settings

__all__ = ["inbound_params", "post_signed", "with_media"]


def inbound_params(
    settings: Settings, sender: str, body: str, message_sid: str = ""
) -> dict[str, str]:
    """Return the form fields Twilio posts for an inbound SMS, with a fresh MessageSid."""
    return {
        "MessageSid": message_sid or "SM" + uuid.uuid4().hex,
        "AccountSid": settings.webhook_account_sid,
        "From": sender,
        "To": settings.sms_number,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }


def with_media(params: dict[str, str], media: list[tuple[str, str]]) -> dict[str, str]:
    """Add an MMS's attachments (MediaUrl, content type) to inbound webhook fields."""
    fields = {**params, "NumMedia": str(len(media))}
    for n, (url, content_type) in enumerate(media):
        fields[f"MediaUrl{n}"] = url
        fields[f"MediaContentType{n}"] = content_type
    return fields


def post_signed(
    url: str, params: dict[str, str], auth_token: str, timeout: float = 10
) -> requests.Response:
    """POST form fields to url with the X-Twilio-Signature Twilio would compute."""
    signature = RequestValidator(auth_token).compute_signature(url, params)
    return requests.post(
        url, data=params, headers={"X-Twilio-Signature": signature}, timeout=timeout
    )
