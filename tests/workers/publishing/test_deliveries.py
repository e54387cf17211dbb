"""publish: deliveries that cannot be published end, with words for the reply."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select, update

from store.db import transaction
from store.models import Account, Delivery, OutboundMessage, Post, TimelineEntry
from tests.factories import add_person, add_post
from workers.publishing.deliveries import publish
from workers.runtime import Runtime


def one_delivery(rt: Runtime) -> int:
    """Make a person's text into a post with one local delivery; return its id."""
    add_person(rt)
    add_post(rt, "A post")
    with rt.sessions() as session:
        return session.scalars(select(Delivery.id)).one()


def ended(rt: Runtime, delivery_id: int) -> tuple[str, str | None, list[str]]:
    """Return the delivery's status, error kind, and the replies sent."""
    with rt.sessions() as session:
        delivery = session.get_one(Delivery, delivery_id)
        texts = session.scalars(select(OutboundMessage.body)).all()
        return delivery.status, delivery.error_kind, list(texts)


def test_a_published_delivery_is_not_published_again(rt: Runtime) -> None:
    delivery = one_delivery(rt)

    publish(rt, delivery)
    publish(rt, delivery)

    with rt.sessions() as session:
        assert len(session.scalars(select(TimelineEntry)).all()) == 1
        assert session.get_one(Delivery, delivery).attempts == 1
    assert ended(rt, delivery)[2] == ["Posted to Local timeline @aroha."]


def test_a_delivery_that_crashed_every_time_ends_instead_of_looping(rt: Runtime) -> None:
    delivery = one_delivery(rt)
    with transaction(rt.sessions) as session:
        session.execute(update(Delivery).values(attempts=rt.settings.publish_attempts))

    publish(rt, delivery)

    status, kind, texts = ended(rt, delivery)
    assert (status, kind) == ("failed", "transient")
    assert texts == [
        "Nothing posted. Local timeline @aroha: Local timeline did not answer, we gave up."
    ]


def test_an_account_switched_off_after_the_post_was_made_is_not_published(rt: Runtime) -> None:
    delivery = one_delivery(rt)
    with transaction(rt.sessions) as session:
        session.execute(update(Account).values(status="disabled"))

    publish(rt, delivery)

    with rt.sessions() as session:
        assert session.scalars(select(TimelineEntry)).all() == []
        assert session.scalars(select(Account.status)).one() == "disabled"  # not relabelled
    assert ended(rt, delivery)[0] == "failed"


POSTS = 20


def test_two_deliveries_ending_at_the_same_moment_send_the_post_one_reply(rt: Runtime) -> None:
    """Each post's two deliveries are published by two jobs at once, as a threaded worker does.

    On PostgreSQL, each ending transaction would see the other delivery still running
    and neither would reply, but for the post's row lock; the sweeper is not run here.
    """
    for n in range(POSTS):
        phone = f"+6421777{n:04d}"
        add_person(rt, phone=phone, accounts=[("local", f"a{n}", {}), ("local", f"b{n}", {})])
        add_post(rt, f"Post {n}", sender=phone, sid=f"SM{n:032x}")
    with rt.sessions() as session:
        post_ids = list(session.scalars(select(Post.id).order_by(Post.id)))
        pairs = [
            session.scalars(select(Delivery.id).where(Delivery.post_id == post_id)).all()
            for post_id in post_ids
        ]
    assert [len(pair) for pair in pairs] == [2] * POSTS

    def publish_together(delivery_id: int, together: threading.Barrier) -> None:
        together.wait(timeout=30)
        publish(rt, delivery_id)

    with ThreadPoolExecutor(max_workers=2) as jobs:
        for pair in pairs:
            together = threading.Barrier(2)
            list(jobs.map(publish_together, pair, [together, together]))

    with rt.sessions() as session:
        replies = session.scalars(
            select(OutboundMessage.post_id).where(OutboundMessage.kind == "post_reply")
        ).all()
    assert sorted(replies) == post_ids  # each post once: none missed, none twice
