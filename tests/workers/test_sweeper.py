"""sweep: work that lost its job is found and done, once."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import select, update

from store.db import transaction
from store.models import Delivery, InboundMessage, OutboundMessage, Post, TimelineEntry, utcnow
from store.queueing import enqueue_publish
from tests.conftest import run_jobs
from tests.factories import add_inbound, add_person, add_post
from workers import sweeper
from workers.runtime import Runtime
from workers.sweeper import SWEEPS_BEFORE_FAILING, run_sweep
from workers.texts_out import replies


def age_everything(rt: Runtime, seconds: int = 120) -> None:
    """Make every row look older than the sweep threshold."""
    past = utcnow() - timedelta(seconds=seconds)
    with transaction(rt.sessions) as session:
        session.execute(update(InboundMessage).values(received_at=past))
        session.execute(update(Delivery).values(updated_at=past))
        session.execute(update(Post).values(created_at=past))
        session.execute(update(OutboundMessage).values(updated_at=past))


def test_a_stored_text_that_never_reached_the_queue_is_posted(rt: Runtime, queue: Queue) -> None:
    add_person(rt)
    add_inbound(rt, "sent while Redis was down")  # stored, never enqueued

    report = run_sweep(rt)
    run_jobs(queue)

    assert report.inbound == 1
    with rt.sessions() as session:
        assert session.scalars(select(Delivery.status)).all() == ["published"]
        assert len(session.scalars(select(OutboundMessage)).all()) == 1


def test_a_fresh_text_already_enqueued_is_left_alone(rt: Runtime, queue: Queue) -> None:
    add_person(rt)
    inbound = add_inbound(rt, "just arrived")
    with transaction(rt.sessions) as session:
        session.get_one(InboundMessage, inbound).enqueued_at = utcnow()

    assert run_sweep(rt).inbound == 0


def test_deliveries_whose_jobs_were_lost_are_published_once(rt: Runtime, queue: Queue) -> None:
    add_person(rt)
    add_post(rt, "a post")
    queue.empty()  # the publish job is lost, as when a worker dies with it
    age_everything(rt)

    first = run_sweep(rt)
    run_jobs(queue)
    age_everything(rt)
    second = run_sweep(rt)
    run_jobs(queue)

    assert (first.deliveries, second.deliveries) == (1, 0)
    with rt.sessions() as session:
        assert len(session.scalars(select(TimelineEntry)).all()) == 1
        assert len(session.scalars(select(OutboundMessage)).all()) == 1


def test_a_job_still_waiting_is_not_enqueued_twice(rt: Runtime, queue: Queue) -> None:
    add_person(rt)
    (delivery,) = add_post(rt, "a post")
    enqueue_publish(queue, delivery, rt.settings)
    age_everything(rt)
    waiting = queue.job_ids

    run_sweep(rt)

    with rt.sessions() as session:
        delivery, account = session.execute(select(Delivery.id, Delivery.account_id)).one()
    assert waiting == [f"publish_delivery-{delivery}"]
    # The sweep adds its regular read of the account's mentions, and nothing else.
    assert sorted(queue.job_ids) == [f"publish_delivery-{delivery}", f"read_mentions-{account}"]


def test_a_pending_text_is_sent_by_the_sweep(rt: Runtime, queue: Queue) -> None:
    from workers.texts_out.texts import queue_text

    with transaction(rt.sessions) as session:
        queue_text(session, "+64211234567", "hello", kind="test")
    age_everything(rt)

    assert run_sweep(rt).texts == 1
    run_jobs(queue)

    with rt.sessions() as session:
        assert session.scalars(select(OutboundMessage.status)).all() == ["outbox"]


def test_a_text_no_job_finishes_is_swept_with_growing_waits_then_failed_and_told(
    rt: Runtime, queue: Queue
) -> None:
    add_person(rt)
    add_inbound(rt, "a text whose every job dies")
    wait = timedelta(seconds=rt.settings.sweep_after_seconds)
    now = utcnow()
    swept_at = []

    for _ in range(300):  # far more sweeps than it takes: each five minutes on
        if run_sweep(rt, now).inbound:
            swept_at.append(now)
        queue.empty()  # every job is lost, as when each one kills its worker
        now += timedelta(minutes=5)

    gaps = [later - earlier for earlier, later in itertools.pairwise(swept_at)]
    with rt.sessions() as session:
        message = session.scalars(select(InboundMessage)).one()
        told = session.scalars(select(OutboundMessage.body)).all()
    assert len(swept_at) == SWEEPS_BEFORE_FAILING
    step = timedelta(minutes=5)
    assert all(later >= earlier * 2 - step for earlier, later in itertools.pairwise(gaps))
    assert gaps[-1] >= wait * 2 ** (SWEEPS_BEFORE_FAILING - 2)
    assert message.status == "failed"
    assert told == [replies.TEXT_NOT_HANDLED]  # once, in plain words


def handled(queue: Queue) -> list[int]:
    """The inbound texts the queue holds jobs for, in order."""
    return [job.args[0] for job in queue.jobs if job.func_name.endswith("handle_inbound")]


def test_rows_that_keep_coming_back_do_not_starve_the_rest(
    rt: Runtime, queue: Queue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweeper, "BATCH", 2)
    add_person(rt)
    poison = [add_inbound(rt, f"poison {n}", sid=f"SMp{n}") for n in range(3)]
    age_everything(rt)
    good = add_inbound(rt, "a good text, newer", sid="SMgood")
    now = utcnow()

    run_sweep(rt, now)
    first = handled(queue)
    queue.empty()
    run_sweep(rt, now + timedelta(seconds=1))
    second = handled(queue)

    assert first == poison[:2]  # oldest due first
    assert second == [poison[2], good]  # the swept ones wait their turn
