"""Texts from one phone handled by several workers at once: every limit still holds.

SQLite's BEGIN IMMEDIATE runs them one after another; PostgreSQL runs them side
by side, so these count in CI's second pass, where TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from store.models import HeldPost, OutboundMessage, Person, Post
from tests.factories import add_inbound, add_person
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound
from workers.texts_out import replies

SIDS = iter(range(1, 10_000))


def text(rt: Runtime, body: str) -> None:
    """Handle one text from the person, alone."""
    process_inbound(rt, add_inbound(rt, body, sid=f"SM{next(SIDS):032x}"))


def texts_at_once(rt: Runtime, bodies: list[str]) -> None:
    """Handle several texts from the person in threads released together, as busy workers do."""
    ids = [add_inbound(rt, body, sid=f"SM{next(SIDS):032x}") for body in bodies]
    together = threading.Barrier(len(ids))

    def handle(inbound_id: int) -> None:
        together.wait(timeout=30)
        process_inbound(rt, inbound_id)

    with ThreadPoolExecutor(len(ids)) as workers:
        list(workers.map(handle, ids))


def posts(rt: Runtime) -> list[str]:
    """The bodies of every post made."""
    with rt.sessions() as session:
        return list(session.scalars(select(Post.body).order_by(Post.id)))


def test_wrong_pins_at_once_pause_posting_and_the_right_pin_then_posts_nothing(
    rt: Runtime,
) -> None:
    add_person(rt)
    text(rt, "PIN 4821")

    texts_at_once(rt, [f"{1000 + n} guessing" for n in range(10)])
    text(rt, "4821 The right PIN, too late")

    with rt.sessions() as session:
        person = session.scalars(select(Person)).one()
        told = session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.id)).all()
    assert person.posting_paused_until is not None
    assert person.pin_pauses == 1  # one pause, not one for every text past the third
    assert posts(rt) == []
    assert told[-1].startswith("Too many wrong PINs: posting is paused until ")
    wrong = [body for body in told if body.startswith("Wrong PIN")]
    assert wrong == [replies.wrong_pin(2), replies.wrong_pin(1)]


def test_posts_at_once_stop_at_the_hourly_limit(rt: Runtime) -> None:
    add_person(rt)
    limit = rt.settings.posts_per_hour

    texts_at_once(rt, [f"Post {n} from the hui" for n in range(limit + 5)])

    with rt.sessions() as session:
        refused = session.scalar(
            select(func.count(OutboundMessage.id)).where(
                OutboundMessage.body == replies.over_post_limit(limit)
            )
        )
    assert len(posts(rt)) == limit
    assert refused == 5


def test_yes_texts_at_once_release_the_held_post_once(rt: Runtime) -> None:
    add_person(rt)
    text(rt, "Saw ZZZ0016 today, my client is doing well")

    texts_at_once(rt, ["YES"] * 6)

    with rt.sessions() as session:
        statuses = session.scalars(select(HeldPost.status)).all()
        nothing_held = session.scalar(
            select(func.count(OutboundMessage.id)).where(
                OutboundMessage.body == replies.NOTHING_HELD
            )
        )
    assert posts(rt) == ["Saw ZZZ0016 today, my client is doing well"]
    assert statuses == ["posted"]
    assert nothing_held == 5
