"""smsbridge seed-demo: the demo make run shows, added once."""

from __future__ import annotations

from sqlalchemy import select

from store.models import Delivery, Person
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
