"""smsbridge seed-demo: the demo make run shows, added once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from gateway.cli.demo import seed_demo, seed_demo_staff
from store.db import transaction
from store.models import Delivery, Event, Person, Staff
from store.staff import password_matches
from tests.gateway.cli.conftest import smsbridge
from workers.runtime import Runtime


def test_seed_demo_runs_once(rt: Runtime) -> None:
    first = smsbridge("seed-demo")
    second = smsbridge("seed-demo")

    assert (first.output, second.output) == ("Demo added.\n", "Demo already there.\n")
    with rt.sessions() as session:
        assert len(session.scalars(select(Delivery)).all()) == 0
        person = session.scalars(select(Person)).one()
        assert person.current_event is not None and person.current_event.code == "SWRB13"


def test_the_demo_sign_ins_are_made_once_and_their_passwords_kept(
    rt: Runtime, tmp_path: Path
) -> None:
    with transaction(rt.sessions) as session:
        seed_demo(session, rt.secrets)
        first = seed_demo_staff(session, tmp_path)
    with transaction(rt.sessions) as session:
        second = seed_demo_staff(session, tmp_path)

    assert [(email, role) for email, role, _ in first] == [
        ("admin@example.org", "admin"),
        ("organiser@example.org", "organiser"),
    ]
    assert first == second
    kept = tmp_path / "demo-sign-ins.txt"
    assert kept.stat().st_mode & 0o777 == 0o600
    with rt.sessions() as session:
        for email, _, password in first:
            staff = session.scalars(select(Staff).where(Staff.email == email)).one()
            assert password_matches(staff, password)
        event = session.scalars(select(Event)).one()
        organiser = session.scalars(select(Staff).where(Staff.role == "organiser")).one()
    assert event.organiser_id == organiser.id  # the demo event is the demo organiser's
