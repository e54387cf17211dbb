"""A post of an event, texted to its FOLLOW ALL followers, up to each one's daily cap."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Settings
from store.models import Broadcast, Event, Follow, OutboundMessage, Post
from workers.following.broadcasts import start_broadcast, start_of_day
from workers.texts_out import replies


def share_with_followers(
    session: Session, post: Post, settings: Settings, now: datetime
) -> Broadcast | None:
    """Start a broadcast of a published post to the event's ALL followers; None if nobody."""
    if post.event_id is None:
        return None
    published = [d for d in post.deliveries if d.status == "published"]
    if not published:
        return None
    followers = session.scalars(
        select(Follow.phone)
        .join(Event, Event.id == Follow.event_id)
        .where(
            Follow.event_id == post.event_id,
            Follow.status == "active",
            Follow.level == "all",
            Event.open_to_followers.is_(True),
        )
    ).all()
    phones = [
        phone
        for phone in followers
        if phone != post.person.phone and not at_daily_cap(session, phone, settings, now)
    ]
    if not phones:
        return None
    event = session.get_one(Event, post.event_id)
    text = replies.followed_post(
        event.code, published[0].account.handle, post.body, settings.broadcast_segments
    )
    return start_broadcast(session, event, "post", text, phones, "post", post_id=post.id)


def at_daily_cap(session: Session, phone: str, settings: Settings, now: datetime) -> bool:
    """Whether the number has had its day's followed posts (it gets the digest instead)."""
    today = session.scalar(
        select(func.count())
        .select_from(OutboundMessage)
        .where(
            OutboundMessage.to_phone == phone,
            OutboundMessage.kind == "followed_post",
            OutboundMessage.created_at >= start_of_day(now, settings),
            OutboundMessage.status != "cancelled",
        )
    )
    return int(today or 0) >= settings.follow_all_daily_cap
