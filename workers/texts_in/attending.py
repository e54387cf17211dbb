"""JOIN, LEAVE and EVENTS by text: which event's hashtags go on a person's posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.events import EventError, join_event, normalise_code
from store.models import Event, Person
from workers.texts_out import replies


def events_open(session: Session, now: datetime) -> list[Event]:
    """Events running now or still to come, soonest first."""
    return list(
        session.scalars(select(Event).where(Event.ends_at > now).order_by(Event.starts_at)).all()
    )


def event_not_over(session: Session, code: str, now: datetime) -> Event | str:
    """The event a texted code names, if it has not ended; else the words saying why not."""
    try:
        code = normalise_code(code)
    except EventError:
        return replies.no_such_event(code)
    event = session.scalar(select(Event).where(Event.code == code))
    if event is None:
        return replies.no_such_event(code)
    if event.ends_at <= now:
        return replies.event_over(event)
    return event


def join(session: Session, person: Person, code: str, now: datetime) -> str:
    """Attend the event with this code if it has not ended; return the words to send."""
    event = event_not_over(session, code, now)
    if isinstance(event, str):
        return event
    join_event(session, person, event)
    if event.starts_at > now:
        return replies.joined_before_start(event)
    return replies.joined(event)


def leave(session: Session, person: Person, code: str | None) -> str:
    """Stop attending the current event (the one named, if a code is given)."""
    event = person.current_event
    if event is None or (code is not None and code.upper() != event.code):
        return replies.NOT_AT_EVENT if event is None else replies.not_at_that_event(code or "")
    person.current_event_id = None
    return replies.left(event)
