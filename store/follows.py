"""Follows of events by text: which are live, and ending them (UNFOLLOW, STOP, Twilio's 21610)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from store.models import Follow, utcnow

LIVE = ("confirming", "active")


def end_follows(
    session: Session,
    phone: str,
    by: str,
    now: datetime | None = None,
    event_id: int | None = None,
) -> int:
    """End the number's live follows (of one event, if given); return how many ended."""
    query = update(Follow).where(Follow.phone == phone, Follow.status.in_(LIVE))
    if event_id is not None:
        query = query.where(Follow.event_id == event_id)
    result = session.execute(
        query.values(status="ended", ended_at=now or utcnow(), ended_by=by[:30])
    )
    assert isinstance(result, CursorResult)
    return int(result.rowcount)
