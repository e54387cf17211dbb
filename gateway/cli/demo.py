"""The demo a newcomer gets from `make run`: one person, one local account, one event."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.events import join_event
from store.models import Account, Event, Person, utcnow
from store.secrets_box import SecretsBox

DEMO_PHONE = "+64211234567"
DEMO_NAME = "Aroha Demo"
DEMO_HANDLE = "aroha"
DEMO_CODE = "SWRB13"
DEMO_TAG = "#swrb13"


def seed_demo(session: Session, secrets: SecretsBox) -> bool:
    """Add the demo once; return False when it is already there."""
    if session.scalar(select(Event.id).where(Event.code == DEMO_CODE)) is not None:
        return False
    now = utcnow()
    event = Event(
        code=DEMO_CODE,
        name="Social Work Research Beyond 2013 (demo)",
        hashtags=DEMO_TAG,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
        organiser="smsbridge demo",
    )
    session.add(event)
    person = session.scalar(select(Person).where(Person.phone == DEMO_PHONE))
    if person is None:
        person = Person(phone=DEMO_PHONE, name=DEMO_NAME, phone_confirmed_at=utcnow())
        session.add(person)
        session.flush()
        session.add(
            Account(
                person_id=person.id,
                platform="local",
                handle=DEMO_HANDLE,
                credentials=secrets.seal({}),
            )
        )
    session.flush()
    join_event(session, person, event)
    return True
