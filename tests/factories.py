"""Rows for tests: people with accounts, events, inbound texts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from store.db import transaction
from store.events import join_event
from store.models import Account, Event, InboundMessage, Person, utcnow
from workers.runtime import Runtime
from workers.texts_in.inbound_posts import create_post

PHONE = "+64211234567"


def add_person(
    rt: Runtime,
    phone: str = PHONE,
    name: str = "Aroha",
    accounts: list[tuple[str, str, dict[str, Any]]] | None = None,
) -> int:
    """Add a person with accounts (platform, handle, credentials); return their id."""
    if accounts is None:
        accounts = [("local", "aroha", {})]
    with transaction(rt.sessions) as session:
        person = Person(phone=phone, name=name, phone_confirmed_at=utcnow())
        session.add(person)
        session.flush()
        for platform, handle, credentials in accounts:
            session.add(
                Account(
                    person_id=person.id,
                    platform=platform,
                    handle=handle,
                    credentials=rt.secrets.seal(credentials),
                )
            )
        return person.id


def add_event(
    rt: Runtime,
    code: str = "SWRB13",
    hashtags: str = "#swrb13",
    starts: datetime | None = None,
    ends: datetime | None = None,
    attendees: tuple[int, ...] = (),
) -> int:
    """Add an event (open now unless told otherwise) and put people at it."""
    now = utcnow()
    with transaction(rt.sessions) as session:
        event = Event(
            code=code,
            name=f"Event {code}",
            hashtags=hashtags,
            starts_at=starts or now - timedelta(hours=1),
            ends_at=ends or now + timedelta(days=1),
        )
        session.add(event)
        session.flush()
        for person_id in attendees:
            join_event(session, session.get_one(Person, person_id), event)
        return event.id


def add_inbound(rt: Runtime, body: str, sender: str = PHONE, sid: str = "SM0001") -> int:
    """Store an inbound text as the webhook would; return its id."""
    with transaction(rt.sessions) as session:
        message = InboundMessage(
            message_sid=sid, from_phone=sender, to_phone="+15005550006", body=body
        )
        session.add(message)
        session.flush()
        return message.id


def add_post(rt: Runtime, body: str, sender: str = PHONE, sid: str = "SM0001") -> list[int]:
    """Make a person's text into a post whose deliveries wait for their jobs; return their ids.

    As handle_inbound leaves it when it dies before publishing: the text handled, the
    post and its deliveries stored, nothing published yet.
    """
    inbound = add_inbound(rt, body, sender, sid)
    now = utcnow()
    with transaction(rt.sessions) as session:
        message = session.get_one(InboundMessage, inbound)
        message.status, message.handled_at = "handled", now
        person = session.scalars(select(Person).where(Person.phone == sender)).one()
        return create_post(session, person, message, now, body).deliveries
