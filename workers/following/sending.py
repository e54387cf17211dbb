"""send_broadcast: a broadcast's texts, one at a time, when the sender is free of replies.

One job sends for at most SLICE_SECONDS, then hands over to a job of its own, so
a long broadcast never holds a worker thread long nor meets RQ's job timeout.
Before each text it looks again: a number that sent STOP or UNFOLLOW since gets
nothing (the rest of its texts are cancelled), and once the event's daily budget
would be passed the broadcast stops and its organiser is told (console, audit).
A worker killed mid-way leaves the broadcast "sending" with a stale heartbeat:
the sweeper gives it a job again, and each text is claimed, so none goes twice.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store import audit
from store.db import transaction, update_rows
from store.models import Broadcast, Event, Follow, OutboundMessage, Person, utcnow
from store.opt_outs import is_opted_out
from store.queueing import enqueue_broadcast
from workers.dispatch import dispatch
from workers.following.broadcasts import WAITING, WARN_AT, segments_used_today, start_of_day
from workers.runtime import Runtime, current
from workers.texts_out.pacing import sender_pacer
from workers.texts_out.sms import deliver_outbound
from workers.texts_out.sms_senders import SmsSendError

log = logging.getLogger(__name__)

SLICE_SECONDS = 50.0  # then another job carries on (RQ's job timeout is 180 s)
STALE_AFTER = timedelta(seconds=3 * SLICE_SECONDS)  # no heartbeat this long: its job was lost
# Which follows still want each kind of broadcast.
WANTED_BY = {"notice": ("notices", "digest", "all"), "digest": ("digest", "all"), "post": ("all",)}


def send_broadcast(broadcast_id: int, turn: int = 0) -> None:
    """RQ job: send a broadcast's waiting texts for a while, then carry on in a new job."""
    run_broadcast(current(), broadcast_id, turn)


def run_broadcast(
    rt: Runtime, broadcast_id: int, turn: int = 0, slice_seconds: float = SLICE_SECONDS
) -> str:
    """Send waiting texts until none are left, the slice ends or the budget does; say which."""
    pacer = sender_pacer(rt.queue.connection, rt.settings)
    give_up_at = time.monotonic() + slice_seconds
    while True:
        with transaction(rt.sessions) as session:
            next_text = next_to_send(rt, session, broadcast_id)
        if isinstance(next_text, str):
            return next_text
        text_id, segments = next_text
        if not pacer.wait_for_slot(segments, give_up_at):
            enqueue_broadcast(rt.queue, broadcast_id, turn + 1)
            return "carried on"
        with transaction(rt.sessions) as session:
            # Its turn: a plain pending text from here on (the sweeper sends it if we die).
            claimed = update_rows(
                session,
                update(OutboundMessage)
                .where(OutboundMessage.id == text_id, OutboundMessage.status == WAITING)
                .values(status="pending"),
            )
        if not claimed:
            continue  # another job of this broadcast took it
        try:
            deliver_outbound(rt, text_id)
        except SmsSendError:
            dispatch(rt, texts=[text_id])  # back to pending: a job of its own retries it


def next_to_send(rt: Runtime, session: Session, broadcast_id: int) -> tuple[int, int] | str:
    """The next text still wanted and within budget, or why there is none (all in one look)."""
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None or broadcast.status != "sending":
        return "not sending"
    now = utcnow()
    broadcast.heartbeat_at = now
    event = session.get_one(Event, broadcast.event_id)
    while True:
        text = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.broadcast_id == broadcast_id, OutboundMessage.status == WAITING)
            .order_by(OutboundMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if text is None:
            broadcast.status, broadcast.finished_at = "done", now
            return "done"
        if not still_wanted(session, broadcast, event, text.to_phone):
            text.status = "opted_out" if is_opted_out(session, text.to_phone) else "cancelled"
            continue
        used = segments_used_today(session, event, rt.settings, now)
        budget = rt.settings.event_daily_segments
        if used + text.segments > budget:
            stop_for_budget(rt, session, event, used, now)
            return "over budget"
        if used + text.segments >= WARN_AT * budget:
            warn_of_budget(rt, session, event, used + text.segments, now)
        return text.id, text.segments


def still_wanted(session: Session, broadcast: Broadcast, event: Event, phone: str) -> bool:
    """Whether the number still wants this broadcast: following it, or (a notice) attending."""
    if is_opted_out(session, phone):
        return False
    follows = session.scalar(
        select(Follow.id).where(
            Follow.event_id == event.id,
            Follow.phone == phone,
            Follow.status == "active",
            Follow.level.in_(WANTED_BY[broadcast.kind]),
        )
    )
    if follows is not None:
        return True
    if broadcast.kind != "notice":
        return False
    attending = session.scalar(
        select(Person.id).where(Person.phone == phone, Person.current_event_id == event.id)
    )
    return attending is not None


def warn_of_budget(rt: Runtime, session: Session, event: Event, used: int, now: datetime) -> None:
    """Tell the organiser, once a day, that the event has used 80 % of its day's texts."""
    if event.budget_warned_at is not None and event.budget_warned_at >= start_of_day(
        now, rt.settings
    ):
        return
    event.budget_warned_at = now
    budget = rt.settings.event_daily_segments
    audit.record(
        session, audit.SYSTEM, "text budget at 80%", event.code, f"{used} of {budget} segments"
    )


def stop_for_budget(rt: Runtime, session: Session, event: Event, used: int, now: datetime) -> None:
    """The day's budget is spent: stop every broadcast of the event, and tell the organiser."""
    sending = select(Broadcast.id).where(
        Broadcast.event_id == event.id, Broadcast.status == "sending"
    )
    session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.broadcast_id.in_(sending), OutboundMessage.status == WAITING)
        .values(status="over_budget")
    )
    session.execute(
        update(Broadcast)
        .where(Broadcast.event_id == event.id, Broadcast.status == "sending")
        .values(status="stopped", finished_at=now)
    )
    event.budget_stopped_at = now
    budget = rt.settings.event_daily_segments
    audit.record(
        session, audit.SYSTEM, "text budget spent", event.code, f"{used} of {budget} segments"
    )
    log.warning("event %s: broadcasts stopped, the day's %s segments are spent", event.code, budget)


def stalled_broadcasts(session: Session, now: datetime) -> list[int]:
    """Broadcasts still sending whose job has not been heard of for a while (the sweeper's)."""
    return list(
        session.scalars(
            select(Broadcast.id).where(
                Broadcast.status == "sending", Broadcast.heartbeat_at <= now - STALE_AFTER
            )
        )
    )
