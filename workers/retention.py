"""Erase what nobody needs to keep: texts' words after RETAIN_DAYS, held posts' a day after.

Rows stay, with their statuses, times and counts (the console's figures and the
audit need them); only the words (and photos) go. A held post may identify a
client, so its words go a day after it stopped waiting (posted, dropped or
expired), and so do the photos of a held post that was never posted. Our copy of
a photo goes with its text's words; the platforms keep what was posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from store.db import transaction, update_rows
from store.models import HeldPost, InboundMedia, InboundMessage, OutboundMessage
from workers.runtime import Runtime
from workers.texts_in.photos import discard_leftovers

ERASED = ""  # what a text's words become
HELD_WORDS_KEPT = timedelta(days=1)
PURGE_EVERY_SECONDS = 3600
PURGE_LOCK = "smsbridge:retention"


@dataclass(frozen=True)
class Erased:
    """How many rows of each kind lost their words."""

    inbound: int
    outbound: int
    held: int
    photos: int = 0


def purge_old_words(rt: Runtime, now: datetime) -> Erased:
    """Erase the words of texts older than RETAIN_DAYS and of held posts long decided."""
    cutoff = now - timedelta(days=rt.settings.retain_days)
    with transaction(rt.sessions) as session:
        inbound = update_rows(
            session,
            update(InboundMessage)
            .where(InboundMessage.received_at < cutoff, InboundMessage.body != ERASED)
            .values(body=ERASED),
        )
        outbound = update_rows(
            session,
            update(OutboundMessage)
            .where(
                OutboundMessage.created_at < cutoff,
                OutboundMessage.body != ERASED,
                # A text still to be sent keeps its words, however old.
                OutboundMessage.status != "pending",
            )
            .values(body=ERASED),
        )
        held = update_rows(
            session,
            update(HeldPost)
            .where(HeldPost.expires_at < now - HELD_WORDS_KEPT, HeldPost.body != ERASED)
            .values(body=ERASED),
        )
        old_texts = select(InboundMessage.id).where(InboundMessage.received_at < cutoff)
        unposted_holds = select(HeldPost.inbound_id).where(
            HeldPost.expires_at < now - HELD_WORDS_KEPT, HeldPost.status != "posted"
        )
        photos = update_rows(
            session,
            update(InboundMedia)
            .where(
                InboundMedia.data.is_not(None),
                or_(
                    InboundMedia.inbound_id.in_(old_texts),
                    InboundMedia.inbound_id.in_(unposted_holds),
                ),
            )
            .values(data=None, alt_text=ERASED),
        )
    return Erased(inbound, outbound, held, photos)


def purge_if_due(rt: Runtime, now: datetime) -> Erased | None:
    """Purge at most once an hour across every worker (the sweep calls this each time).

    Attachments Twilio could not delete when their text was turned away go then too.
    """
    if not rt.queue.connection.set(PURGE_LOCK, "1", nx=True, ex=PURGE_EVERY_SECONDS):
        return None
    erased = purge_old_words(rt, now)
    discard_leftovers(rt, now)
    return erased
