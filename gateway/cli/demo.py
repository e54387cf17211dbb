"""The demo a newcomer gets from `make run`: a person, a local account, an event, sign-ins."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import private_dir
from store import audit
from store.events import join_event
from store.models import Account, Event, Person, utcnow
from store.secrets_box import SecretsBox
from store.staff import ADMIN, ORGANISER, add_staff, find_staff

DEMO_PHONE = "+64211234567"
# A second phone, of nobody registered: it can FOLLOW the demo event by text.
DEMO_FOLLOWER_PHONE = "+64211234568"
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
        open_to_followers=True,
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


DEMO_STAFF = (("admin@example.org", ADMIN), ("organiser@example.org", ORGANISER))
SIGN_INS_FILE = "demo-sign-ins.txt"


def seed_demo_staff(session: Session, var_dir: Path) -> list[tuple[str, str, str]]:
    """Add the demo admin and organiser once; return (email, role, password) for each.

    Their passwords are made at random the first time and kept in var/ (readable
    by this user only), so `make run` can say how to sign in every time.
    """
    kept = var_dir / SIGN_INS_FILE
    lines = kept.read_text().splitlines() if kept.exists() else []
    known = dict(line.split(" ", 1) for line in lines if " " in line)
    sign_ins = []
    for email, role in DEMO_STAFF:
        if find_staff(session, email) is None:
            known[email] = secrets.token_urlsafe(12)
            staff = add_staff(session, email, role, known[email])
            audit.record(session, audit.SYSTEM, "staff added", email, f"demo {role}")
            if role == ORGANISER:
                # The demo event is the demo organiser's own.
                event = session.scalar(select(Event).where(Event.code == DEMO_CODE))
                if event is not None and event.organiser_id is None:
                    event.organiser_id = staff.id
        sign_ins.append((email, role, known.get(email, "(the password you set)")))
    private_dir(var_dir)
    kept.touch(mode=0o600)
    kept.write_text("".join(f"{email} {password}\n" for email, password in known.items()))
    return sign_ins
