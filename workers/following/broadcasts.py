"""Broadcasts: who gets an event's notice, digest or followed post, what it costs, and its texts.

A broadcast's texts are stored "waiting" in one transaction with it, and sent by
workers/following/sending.py at the pace the sender leaves after replies. Each
event has a daily budget of segments (EVENT_DAILY_SEGMENTS), counted over the
texts its broadcasts handed over since midnight (TIMEZONE).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Settings
from store.models import Broadcast, Event, Follow, OutboundMessage, Person
from store.opt_outs import is_opted_out
from workers.texts_out import replies
from workers.texts_out.segments import count_segments
from workers.texts_out.smart_encoding import smart_encode

WAITING = "waiting"
# A broadcast's texts that were never handed over: they cost nothing.
NOT_SENT = ("waiting", "cancelled", "opted_out", "over_budget")
# What each kind of broadcast calls its texts (OutboundMessage.kind).
TEXT_KINDS = {"notice": "notice", "digest": "digest", "post": "followed_post"}
WARN_AT = 0.8  # of the daily budget: the organiser is warned


@dataclass(frozen=True)
class Cost:
    """What a broadcast would cost: its text as sent, recipients, segments, time at our pace."""

    text: str
    shortened: bool
    recipients: int
    segments_each: int
    seconds: int
    used_today: int
    budget: int

    @property
    def total(self) -> int:
        """Segments in all."""
        return self.recipients * self.segments_each

    @property
    def left_today(self) -> int:
        """Segments the event may still send today."""
        return max(0, self.budget - self.used_today)


def notice_recipients(session: Session, event: Event) -> list[str]:
    """Every live follower of the event, and its attendees: numbers, once each, not opted out."""
    followers = session.scalars(
        select(Follow.phone).where(Follow.event_id == event.id, Follow.status == "active")
    )
    attendees = session.scalars(
        select(Person.phone).where(
            Person.current_event_id == event.id,
            Person.active.is_(True),
            Person.phone_confirmed_at.is_not(None),
        )
    )
    phones = sorted(set(followers) | set(attendees))
    return [phone for phone in phones if not is_opted_out(session, phone)]


def notice_cost(
    session: Session, event: Event, words: str, settings: Settings, now: datetime
) -> Cost:
    """What a notice of these words would be and cost, before the organiser sends it."""
    text = replies.notice(event.code, words, settings.broadcast_segments)
    recipients = len(notice_recipients(session, event))
    return cost_of(session, event, text, recipients, settings, now, shortened=words not in text)


def cost_of(
    session: Session,
    event: Event,
    text: str,
    recipients: int,
    settings: Settings,
    now: datetime,
    shortened: bool = False,
) -> Cost:
    """The cost of sending this text to this many, at the sender's pace."""
    segments = count_segments(smart_encode(text)).segments
    return Cost(
        text=text,
        shortened=shortened,
        recipients=recipients,
        segments_each=segments,
        seconds=math.ceil(recipients * segments / settings.sms_per_second),
        used_today=segments_used_today(session, event, settings, now),
        budget=settings.event_daily_segments,
    )


def start_broadcast(
    session: Session,
    event: Event,
    kind: str,
    text: str,
    phones: list[str],
    created_by: str,
    post_id: int | None = None,
) -> Broadcast:
    """Store a broadcast and one waiting text for each number; the caller enqueues its sending."""
    broadcast = Broadcast(
        event_id=event.id, kind=kind, body=text, post_id=post_id, created_by=created_by
    )
    session.add(broadcast)
    session.flush()
    body = smart_encode(text)
    count = count_segments(body)
    for phone in phones:
        session.add(
            OutboundMessage(
                to_phone=phone,
                body=body,
                segments=count.segments,
                encoding=count.encoding,
                kind=TEXT_KINDS[kind],
                post_id=post_id,
                broadcast_id=broadcast.id,
                status="opted_out" if is_opted_out(session, phone) else WAITING,
            )
        )
    session.flush()
    return broadcast


def segments_used_today(session: Session, event: Event, settings: Settings, now: datetime) -> int:
    """Segments the event's broadcasts handed over since midnight where the event is run."""
    used = session.scalar(
        select(func.coalesce(func.sum(OutboundMessage.segments), 0))
        .join(Broadcast, Broadcast.id == OutboundMessage.broadcast_id)
        .where(
            Broadcast.event_id == event.id,
            OutboundMessage.created_at >= start_of_day(now, settings),
            OutboundMessage.status.not_in(NOT_SENT),
        )
    )
    return int(used or 0)


def start_of_day(now: datetime, settings: Settings) -> datetime:
    """Midnight of today in the installation's time zone, as an aware datetime."""
    zone = ZoneInfo(settings.timezone)
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(), tzinfo=zone)


def progress(session: Session, broadcast_id: int) -> dict[str, int]:
    """How a broadcast's texts stand: sent, waiting, failed, and not sent for a reason."""
    counts = dict(
        session.execute(
            select(OutboundMessage.status, func.count())
            .where(OutboundMessage.broadcast_id == broadcast_id)
            .group_by(OutboundMessage.status)
        ).all()
    )
    waiting = sum(counts.pop(status, 0) for status in ("waiting", "pending", "handing"))
    failed = sum(counts.pop(status, 0) for status in ("failed", "undelivered"))
    skipped = sum(counts.pop(status, 0) for status in ("cancelled", "opted_out", "over_budget"))
    return {"sent": sum(counts.values()), "waiting": waiting, "failed": failed, "skipped": skipped}
