"""text_person: the texts the console asks a worker for."""

from __future__ import annotations

import pytest
from rq import Queue
from sqlalchemy import select, update

from store.db import transaction
from store.models import OutboundMessage, Person
from store.queueing import CONFIRM_CODE, HELD_DROPPED, enqueue_text_person
from tests.conftest import run_jobs
from tests.factories import add_person
from workers.runtime import Runtime
from workers.texts_out.notices import text_person


def test_a_new_code_is_texted_to_an_unconfirmed_phone(rt: Runtime, queue: Queue) -> None:
    person = add_person(rt)
    with transaction(rt.sessions) as session:
        session.execute(update(Person).values(phone_confirmed_at=None))

    enqueue_text_person(queue, person, CONFIRM_CODE)
    run_jobs(queue)

    with rt.sessions() as session:
        text = session.scalars(select(OutboundMessage)).one()
        hashed = session.scalars(select(Person.confirm_code_hash)).one()
    assert (text.kind, text.status) == ("confirm_code", "outbox")
    assert hashed is not None


def test_a_phone_confirmed_meanwhile_gets_no_code(rt: Runtime) -> None:
    person = add_person(rt)  # confirmed

    text_person(person, CONFIRM_CODE)

    with rt.sessions() as session:
        assert session.scalars(select(OutboundMessage)).all() == []


def test_an_unknown_text_is_an_error_not_a_guess(rt: Runtime) -> None:
    with pytest.raises(ValueError, match="no such text"):
        text_person(add_person(rt), "anything else")


def test_a_person_is_told_an_admin_dropped_their_held_post(rt: Runtime, queue: Queue) -> None:
    person = add_person(rt)

    enqueue_text_person(queue, person, HELD_DROPPED)
    run_jobs(queue)

    with rt.sessions() as session:
        text = session.scalars(select(OutboundMessage)).one()
    assert (text.kind, text.body, text.status) == (
        "notice",
        "An admin dropped the post that was waiting for your YES: nothing was posted.",
        "outbox",
    )
