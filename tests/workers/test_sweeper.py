"""sweep: work that lost its job is found and done, once."""

from __future__ import annotations

from datetime import timedelta

from rq import Queue
from sqlalchemy import select, update

from store.db import transaction
from store.models import Delivery, InboundMessage, OutboundMessage, Post, TimelineEntry, utcnow
from store.queueing import enqueue_publish
from tests.conftest import run_jobs
from tests.factories import add_inbound, add_person, add_post
from workers.runtime import Runtime
from workers.sweeper import run_sweep


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
