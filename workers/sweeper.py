"""sweep: find work that lost its job (Redis was down, a worker died) and enqueue it again.

Every job is idempotent, so enqueueing something that is in fact still running
costs a no-op at worst; the stable job ids in store.queueing keep that rare.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from store.db import transaction
from store.models import Delivery, InboundMessage, OutboundMessage, Post, utcnow
from store.queueing import enqueue_inbound, enqueue_read_mentions
from workers.dispatch import dispatch
from workers.mentions.reading import due_accounts
from workers.publishing.deliveries import finish_post
from workers.runtime import Runtime, current

BATCH = 500


@dataclass(frozen=True)
class SweepReport:
    """How many rows of each kind the sweep enqueued or finished."""

    inbound: int
    deliveries: int
    replies: int
    texts: int
    mention_reads: int = 0


def sweep() -> SweepReport:
    """RQ job: sweep once."""
    return run_sweep(current())


def run_sweep(rt: Runtime, now: datetime | None = None) -> SweepReport:
    """Enqueue stuck inbound texts, deliveries and outbound texts; send missing replies."""
    now = now or utcnow()
    stale = now - timedelta(seconds=rt.settings.sweep_after_seconds)
    # A worker that died with a job (killed, machine lost) leaves it "started"
    # until its heartbeat expires; RQ's own cleanup then retries or fails it. A
    # worker runs that cleanup only every ten minutes, so run it on every sweep.
    rt.queue.started_job_registry.cleanup()
    with transaction(rt.sessions) as session:
        inbound = session.scalars(
            select(InboundMessage.id)
            .where(
                InboundMessage.status == "received",
                or_(InboundMessage.enqueued_at.is_(None), InboundMessage.received_at <= stale),
            )
            .order_by(InboundMessage.id)
            .limit(BATCH)
        ).all()
        deliveries = session.scalars(
            select(Delivery.id)
            .where(
                Delivery.status == "queued",
                Delivery.updated_at <= stale,
                or_(Delivery.retry_at.is_(None), Delivery.retry_at <= now),
            )
            .order_by(Delivery.id)
            .limit(BATCH)
        ).all()
        unreplied = session.scalars(
            select(Post.id)
            .where(Post.replied_at.is_(None), Post.created_at <= stale)
            .order_by(Post.id)
            .limit(BATCH)
        ).all()
        texts = session.scalars(
            select(OutboundMessage.id)
            .where(OutboundMessage.status == "pending", OutboundMessage.updated_at <= stale)
            .order_by(OutboundMessage.id)
            .limit(BATCH)
        ).all()

        reads = due_accounts(session, now, rt.settings.mentions_every_seconds)
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
    dispatch(rt, deliveries=deliveries, texts=texts, undos=undos)
    for post_id in unreplied:
        finish_post(rt, post_id)
    return SweepReport(len(inbound), len(deliveries), len(unreplied), len(texts), len(reads))
