"""Photos an MMS carried: fetched from Twilio in the worker, cleaned, stored, then deleted there.

Twilio keeps each attachment as a Media resource of the message until it is
deleted. The worker (never the webhook) fetches each one with the account's
credentials, as Twilio documents (a GET of the MediaUrl, which answers with the
file or a redirect to it), with a timeout and a size cap; what is not a photo, or
is too big, is skipped with its reason in plain words for the reply; a photo is
cleaned of its metadata (images.py) and stored. Then Twilio's copy is deleted
through the twilio SDK, unless MEDIA_KEEP_AT_TWILIO says to keep it.

Safe to run again: only attachments still waiting are fetched. A network failure
or a 5xx raises TwilioUnavailable, so the text's job fails and the sweeper gives
it another later; nothing is lost and nothing is fetched twice once stored.

A text from someone who may not post (an unknown or unconfirmed number, a phone
switched off, an opted-out one) has its attachments deleted at Twilio unread
("discarded"); any Twilio could not delete then are tried again by the hourly
retention pass, so no stranger's photo stays at Twilio.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client as TwilioClient

from config import Settings
from store.db import transaction
from store.models import InboundMedia, InboundMessage, utcnow
from workers.runtime import Runtime
from workers.texts_in.images import ImageRefused, clean_image, is_accepted
from workers.texts_out.twilio_http import ApiUrlHttpClient

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
NOT_FETCHED = "not fetched: its sender may not post"
# A waiting attachment of a text handled this long ago was never going to be fetched.
LEFTOVER_AFTER = timedelta(hours=1)
# What the reply calls an attachment that is not a photo, by the start of its type.
KINDS = {
    "video/": "a video",
    "audio/": "a sound recording",
    "text/vcard": "a contact card",
    "text/x-vcard": "a contact card",
    "text/": "a text file",
    "application/pdf": "a PDF",
}


class TwilioUnavailable(RuntimeError):
    """Twilio could not be reached or failed: try the whole text again later."""


@dataclass(frozen=True)
class Fetched:
    """What became of one attachment: stored (with the clean image) or skipped, and why."""

    status: str  # stored, skipped or failed
    problem: str = ""
    content_type: str = ""
    data: bytes | None = None
    width: int = 0
    height: int = 0


def fetch_photos(rt: Runtime, inbound_id: int) -> None:
    """Fetch, clean and store each attachment of a text still waiting; delete Twilio's copies."""
    with rt.sessions() as session:
        waiting = session.execute(
            select(InboundMedia.id, InboundMedia.twilio_url, InboundMedia.declared_type)
            .where(InboundMedia.inbound_id == inbound_id, InboundMedia.status == "waiting")
            .order_by(InboundMedia.position)
        ).all()
    for media_id, url, declared in waiting:
        fetched = fetch_one(rt.connectors.http, rt.settings, url, declared)
        with transaction(rt.sessions) as session:
            row = session.get_one(InboundMedia, media_id)
            row.status, row.problem = fetched.status, fetched.problem
            row.content_type, row.data = fetched.content_type, fetched.data
            row.width, row.height = fetched.width, fetched.height
            row.fetched_at = utcnow()
        if fetched.status != "failed" and not rt.settings.media_keep_at_twilio:
            delete_at_twilio(rt.settings, url)
            with transaction(rt.sessions) as session:
                session.get_one(InboundMedia, media_id).deleted_at_twilio = utcnow()


def discard_photos(rt: Runtime, inbound_id: int) -> int:
    """Delete at Twilio, unread, the attachments of a text whose sender may not post.

    Return how many were discarded; one Twilio could not delete now stays waiting
    for the retention pass (discard_leftovers).
    """
    with rt.sessions() as session:
        waiting = session.execute(
            select(InboundMedia.id, InboundMedia.twilio_url).where(
                InboundMedia.inbound_id == inbound_id, InboundMedia.status == "waiting"
            )
        ).all()
    discarded = 0
    for media_id, url in waiting:
        kept = rt.settings.media_keep_at_twilio
        if not kept:
            try:
                delete_at_twilio(rt.settings, url)
            except TwilioUnavailable as exc:
                log.warning("media %s not discarded at Twilio yet: %s", media_id, exc)
                continue
        with transaction(rt.sessions) as session:
            row = session.get_one(InboundMedia, media_id)
            row.status, row.problem = "discarded", NOT_FETCHED
            row.deleted_at_twilio = None if kept else utcnow()
        discarded += 1
    return discarded


def discard_leftovers(rt: Runtime, now: datetime) -> int:
    """Discard the attachments still waiting of texts handled over an hour ago."""
    with rt.sessions() as session:
        texts = session.scalars(
            select(InboundMedia.inbound_id)
            .join(InboundMessage, InboundMessage.id == InboundMedia.inbound_id)
            .where(
                InboundMedia.status == "waiting",
                InboundMessage.status != "received",
                InboundMessage.received_at < now - LEFTOVER_AFTER,
            )
            .distinct()
        ).all()
    return sum(discard_photos(rt, inbound_id) for inbound_id in texts)


def fetch_one(http: requests.Session, settings: Settings, url: str, declared: str) -> Fetched:
    """Fetch one attachment from Twilio and clean it, or say why it is skipped."""
    if not is_accepted(declared):
        return Fetched("skipped", f"{kind_of(declared)} can't be posted")
    try:
        response = http.get(
            url,
            auth=(settings.webhook_account_sid, settings.twilio_auth_token),
            timeout=settings.media_fetch_seconds,
            stream=True,
        )
    except requests.RequestException as exc:
        raise TwilioUnavailable(f"fetching media: {type(exc).__name__}") from exc
    with response:
        if response.status_code == 404:
            return Fetched("failed", "Twilio no longer has the photo")
        if response.status_code >= 500 or response.status_code == 429:
            raise TwilioUnavailable(f"fetching media: HTTP {response.status_code}")
        if response.status_code != 200:
            log.warning("Twilio refused a media fetch: HTTP %s", response.status_code)
            return Fetched("failed", "Twilio would not give us the photo")
        data = read_capped(response, settings.media_max_bytes)
    if data is None:
        return Fetched(
            "skipped", f"a photo over {size_words(settings.media_max_bytes)} can't be posted"
        )
    try:
        clean = clean_image(data, declared)  # checked against what the file really is
    except ImageRefused as exc:
        return Fetched("skipped", f"a photo was unreadable ({exc})")
    return Fetched("stored", "", clean.content_type, clean.data, clean.width, clean.height)


def read_capped(response: requests.Response, limit: int) -> bytes | None:
    """Read a streamed body, or None as soon as it passes the limit (nothing more is read)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    for chunk in response.iter_content(CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def size_words(size: int) -> str:
    """A size in bytes as people say it: "5 MB", "2 KB"."""
    if size >= 1024 * 1024:
        return f"{round(size / (1024 * 1024), 1):g} MB"
    return f"{max(1, round(size / 1024))} KB"


def kind_of(content_type: str) -> str:
    """Name an attachment that is not a photo in plain words: "a video"."""
    for start, words in KINDS.items():
        if content_type.startswith(start):
            return words
    return "a file"


def delete_at_twilio(settings: Settings, url: str) -> None:
    """Delete Twilio's copy of an attachment through the SDK (a copy already gone is fine)."""
    parts = urlsplit(url).path.split("/")  # /2010-04-01/Accounts/AC…/Messages/MM…/Media/ME…
    message_sid, media_sid = parts[-3], parts[-1]
    client = TwilioClient(
        settings.webhook_account_sid,
        settings.twilio_auth_token,
        http_client=ApiUrlHttpClient(settings.twilio_api_url, settings.media_fetch_seconds),
    )
    try:
        client.api.v2010.accounts(settings.webhook_account_sid).messages(message_sid).media(
            media_sid
        ).delete()
    except TwilioRestException as exc:
        if exc.status != 404:
            raise TwilioUnavailable(f"deleting media: HTTP {exc.status}") from exc
    except requests.RequestException as exc:
        raise TwilioUnavailable(f"deleting media: {type(exc).__name__}") from exc
