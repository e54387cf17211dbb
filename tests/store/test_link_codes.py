"""Link codes: made for a person, redeemed once — also when several browsers try at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import select

from store.db import transaction
from store.link_codes import LINK_CODE_LIFETIME, new_link_code, redeem_link_code
from store.models import LinkCode, utcnow
from tests.factories import add_person
from workers.runtime import Runtime

TRIES = 8


def make_code(rt: Runtime) -> tuple[int, str]:
    """A person and a fresh code for them."""
    person = add_person(rt)
    with transaction(rt.sessions) as session:
        return person, new_link_code(session, person, rt.settings.secret_key, utcnow())


def redeem(rt: Runtime, typed: str, when: datetime | None = None) -> int | None:
    """Redeem a code in a transaction of its own."""
    with transaction(rt.sessions) as session:
        return redeem_link_code(session, typed, rt.settings.secret_key, when or utcnow())


def test_a_code_is_stored_only_as_a_digest_and_redeemed_once(rt: Runtime) -> None:
    person, code = make_code(rt)

    first, second = redeem(rt, code), redeem(rt, code)

    assert (first, second) == (person, None)
    with rt.sessions() as session:
        digest = session.scalars(select(LinkCode.digest)).one()
    assert code.replace(" ", "") not in digest


def test_a_code_is_read_without_its_space_and_not_after_30_minutes(rt: Runtime) -> None:
    person, code = make_code(rt)
    late = utcnow() + LINK_CODE_LIFETIME + timedelta(seconds=1)

    assert redeem(rt, code.replace(" ", "-"), late) is None
    assert redeem(rt, f" {code.replace(' ', '')} ") == person


def test_browsers_redeeming_one_code_at_once_get_it_once(rt: Runtime) -> None:
    """Threads with their own connections, at a barrier; on PostgreSQL in CI's second pass."""
    person, code = make_code(rt)
    together = threading.Barrier(TRIES)

    def race(_: int) -> int | None:
        together.wait(timeout=30)
        return redeem(rt, code)

    with ThreadPoolExecutor(max_workers=TRIES) as pool:
        results = list(pool.map(race, range(TRIES)))

    assert sorted(results, key=lambda r: r is not None) == [None] * (TRIES - 1) + [person]
