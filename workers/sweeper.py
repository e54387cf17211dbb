"""sweep: find work that lost its job (Redis was down, a worker died) and enqueue it again.

Every job is idempotent, so enqueueing something that is in fact still running
costs a no-op at worst; the stable job ids in store.queueing keep that rare.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from store.db import transaction
from store.models import Delivery, Event, InboundMessage, OutboundMessage, Post, utcnow
from store.queueing import (
    enqueue_broadcast,
    enqueue_inbound,
    enqueue_read_mentions,
    enqueue_read_tag_posts,
)
from workers.dispatch import dispatch
from workers.following.digests import due_digests, start_digest
from workers.following.sending import stalled_broadcasts
from workers.mentions.reading import due_accounts
from workers.publishing.deliveries import finish_post
from workers.retention import purge_if_due
from workers.runtime import Runtime, current
from workers.texts_in.inbound import find_sender
from workers.texts_out import replies
from workers.texts_out.texts import queue_text
from workers.walls.tag_reading import due_events

BATCH = 500
# A stuck text is given a job this many times by the sweeper; then it has failed.
SWEEPS_BEFORE_FAILING = 10


@dataclass(frozen=True)
class SweepReport:
    """How many rows of each kind the sweep enqueued or finished."""

    inbound: int
    deliveries: int
    replies: int
    texts: int
    mention_reads: int = 0


def swept(
    rows: Sequence[InboundMessage | OutboundMessage], now: datetime, wait: timedelta
) -> tuple[list[int], list[int]]:
    """Count a sweep on each row (in due order); return those to enqueue and those now failed."""
    again, failed = [], []
    for row in rows:
        if row.sweeps >= SWEEPS_BEFORE_FAILING:
            row.status = "failed"
            failed.append(row.id)
            continue
        row.next_sweep_at = now + wait * 2**row.sweeps
        row.sweeps += 1
        again.append(row.id)
    return again, failed


def tell_not_handled(rt: Runtime, session: Session, inbound_id: int) -> int | None:
    """Tell a registered person that a text of theirs failed; return the text's id."""
    message = session.get_one(InboundMessage, inbound_id)
    person = find_sender(session, message.from_phone, rt.settings.default_region, lock=False)
    if person is None:
        return None  # an unknown number is not worth paying to tell
    return queue_text(session, person.phone, replies.TEXT_NOT_HANDLED, kind="notice").id


def sweep() -> SweepReport:
    """RQ job: sweep once."""
    return run_sweep(current())


def run_sweep(rt: Runtime, now: datetime | None = None) -> SweepReport:
    """Enqueue stuck inbound texts, deliveries and outbound texts; send missing replies."""
    now = now or utcnow()
    wait = timedelta(seconds=rt.settings.sweep_after_seconds)
    stale = now - wait
    # A worker that died with a job (killed, machine lost) leaves it "started"
    # until its heartbeat expires; RQ's own cleanup then retries or fails it. A
    # worker runs that cleanup only every ten minutes, so run it on every sweep.
    rt.queue.started_job_registry.cleanup()
    with transaction(rt.sessions) as session:
        # Oldest due first. A row swept is due again only after a wait twice the last,
        # so rows that keep coming back go behind the others, and SWEEPS_BEFORE_FAILING
        # sweeps end them (about 8 hours, at the default 30 s).
        due = func.coalesce(InboundMessage.next_sweep_at, InboundMessage.received_at)
        stuck_inbound = session.scalars(
            select(InboundMessage)
            .where(
                InboundMessage.status == "received",
                or_(
                    InboundMessage.next_sweep_at <= now,
                    and_(
                        InboundMessage.next_sweep_at.is_(None),
                        or_(
                            InboundMessage.enqueued_at.is_(None),
                            InboundMessage.received_at <= stale,
                        ),
                    ),
                ),
            )
            .order_by(due, InboundMessage.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)  # a row a job holds now is not stuck
        ).all()
        inbound, failed_inbound = swept(stuck_inbound, now, wait)
        deliveries = session.scalars(
            select(Delivery.id)
            .where(
                Delivery.status == "queued",
                Delivery.updated_at <= stale,
                or_(Delivery.retry_at.is_(None), Delivery.retry_at <= now),
            )
            .order_by(Delivery.updated_at, Delivery.id)
            .limit(BATCH)
        ).all()
        unreplied = session.scalars(
            select(Post.id)
            .where(Post.replied_at.is_(None), Post.created_at <= stale)
            .order_by(Post.id)
            .limit(BATCH)
        ).all()
        text_due = func.coalesce(OutboundMessage.next_sweep_at, OutboundMessage.updated_at)
        stuck_texts = session.scalars(
            select(OutboundMessage)
            .where(
                OutboundMessage.status == "pending",
                or_(
                    OutboundMessage.next_sweep_at <= now,
                    and_(
                        OutboundMessage.next_sweep_at.is_(None),
                        OutboundMessage.updated_at <= stale,
                    ),
                ),
            )
            .order_by(text_due, OutboundMessage.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        texts, _ = swept(stuck_texts, now, wait)
        told = [tell_not_handled(rt, session, inbound_id) for inbound_id in failed_inbound]

        broadcasts = stalled_broadcasts(session, now)
        for event_id in due_digests(session, now):
            digest = start_digest(session, session.get_one(Event, event_id), rt.settings, now)
            if digest is not None:
                broadcasts.append(digest.id)

        reads = due_accounts(session, now, rt.settings.mentions_every_seconds)
        tag_reads = due_events(session, now)
        undos = session.scalars(
            select(Post.id)
            .where(
                Post.undone_at.is_not(None),
                Post.undo_replied_at.is_(None),
                Post.undone_at <= stale,
            )
            .order_by(Post.id)
            .limit(BATCH)
        ).all()

    for inbound_id in inbound:
        enqueue_inbound(rt.queue, inbound_id)
    for account_id in reads:
        enqueue_read_mentions(rt.queue, account_id)
    for event_id in tag_reads:
        enqueue_read_tag_posts(rt.queue, event_id)
    for broadcast_id in broadcasts:
        enqueue_broadcast(rt.queue, broadcast_id)
    dispatch(rt, deliveries=deliveries, texts=[*texts, *filter(None, told)], undos=undos)
    for post_id in unreplied:
        finish_post(rt, post_id)
    purge_if_due(rt, now)
    return SweepReport(len(inbound), len(deliveries), len(unreplied), len(texts), len(reads))
