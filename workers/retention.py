"""Erase what nobody needs to keep: texts' words after RETAIN_DAYS, held posts' a day after.

Rows stay, with their statuses, times and counts (the console's figures and the
audit need them); only the words go. A held post may identify a client, so its
words go a day after it stopped waiting (posted, dropped or expired).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from store.db import transaction, update_rows
from store.models import HeldPost, InboundMessage, OutboundMessage
from workers.runtime import Runtime

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
    return Erased(inbound, outbound, held)


def purge_if_due(rt: Runtime, now: datetime) -> Erased | None:
    """Purge at most once an hour across every worker (the sweep calls this each time)."""
    if not rt.queue.connection.set(PURGE_LOCK, "1", nx=True, ex=PURGE_EVERY_SECONDS):
        return None
    return purge_old_words(rt, now)
