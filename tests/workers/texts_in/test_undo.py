"""UNDO: the last post comes down from every platform it reached, once, within the window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import select, update

from store.db import transaction
from store.models import Delivery, OutboundMessage, Post, TimelineEntry, utcnow
from tests.conftest import run_jobs
from tests.factories import add_inbound, add_person, add_post
from tests.peers.mastodon import SERVICE_UNAVAILABLE, MastodonPeer
from workers.platforms.errors import TransientError
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound
from workers.texts_in.undo import NotReady, request_undo, take_down
from workers.texts_out import replies

LONG = (
    "Day two of the symposium opened with a panel on supervision. "
    "Practitioners spoke about caseloads, burnout and the value of peer support."
)


@pytest.fixture
def mastodon() -> Iterator[MastodonPeer]:
    """A Mastodon instance whose posts hold at most 80 characters, so long texts thread."""
    with MastodonPeer(max_characters=80) as running:
        yield running


def person_on_two_platforms(rt: Runtime, peer: MastodonPeer) -> int:
    """A person with a local account and a Mastodon account on the peer."""
    credentials = {"instance": peer.url, "access_token": peer.access_token}
    return add_person(
        rt, accounts=[("local", "aroha", {}), ("mastodon", f"aroha@{peer.host}", credentials)]
    )


def undo(rt: Runtime, person_id: int, minutes: int = 60) -> int | None:
    """Ask for an UNDO as the inbound job does; return the claimed post, if any."""
    with transaction(rt.sessions) as session:
        request = request_undo(session, person_id, utcnow(), minutes)
        return request.post_id


def last_text(rt: Runtime) -> str:
    """The newest text queued for the person."""
    with rt.sessions() as session:
        return (
            session.scalars(
                select(OutboundMessage.body).order_by(OutboundMessage.id.desc())
            ).first()
            or ""
        )


def test_undo_deletes_every_part_everywhere_and_says_where(
    rt: Runtime, queue: Queue, mastodon: MastodonPeer
) -> None:
    person = person_on_two_platforms(rt, mastodon)
    process_inbound(rt, add_inbound(rt, LONG))
    run_jobs(queue)
    assert len(mastodon.statuses) >= 2  # a thread

    post_id = undo(rt, person)
    assert post_id is not None
    take_down(rt, post_id)
    take_down(rt, post_id)  # a repeated job deletes nothing more and says nothing more

    assert mastodon.statuses == []
    deletes = [r.path for r in mastodon.requests if r.method == "DELETE"]
    assert len(deletes) == len(set(deletes)) >= 2
    with rt.sessions() as session:
        entries = session.scalars(select(TimelineEntry)).all()
        statuses = session.scalars(select(Delivery.status)).all()
        undo_texts = session.scalars(
            select(OutboundMessage.body).where(OutboundMessage.kind == "undo")
        ).all()
    assert all(entry.deleted_at is not None for entry in entries)
    assert statuses == ["deleted", "deleted"]
    assert undo_texts == [
        f"Deleted your last post from Local timeline @aroha and Mastodon @aroha@{mastodon.host}."
    ]


def test_a_platform_that_fails_is_tried_again_without_deleting_twice(
    rt: Runtime, queue: Queue, mastodon: MastodonPeer
) -> None:
    person = person_on_two_platforms(rt, mastodon)
    process_inbound(rt, add_inbound(rt, "Short one"))
    run_jobs(queue)
    post_id = undo(rt, person)
    assert post_id is not None
    mastodon.fail_next(SERVICE_UNAVAILABLE)

    with pytest.raises(TransientError):
        take_down(rt, post_id)
    take_down(rt, post_id)

    assert mastodon.statuses == []
    assert last_text(rt).startswith("Deleted your last post from Local timeline @aroha and")


def test_undo_waits_until_the_post_is_published(rt: Runtime) -> None:
    person = add_person(rt)
    add_post(rt, "Not published yet")
    post_id = undo(rt, person)
    assert post_id is not None

    with pytest.raises(NotReady):
        take_down(rt, post_id)


def test_undo_explains_when_there_is_nothing_to_take_down(rt: Runtime, queue: Queue) -> None:
    person = add_person(rt)
    with transaction(rt.sessions) as session:
        assert request_undo(session, person, utcnow(), 60).refusal == replies.NOTHING_TO_UNDO

    process_inbound(rt, add_inbound(rt, "A post"))
    run_jobs(queue)
    with transaction(rt.sessions) as session:
        session.execute(update(Post).values(created_at=utcnow() - timedelta(minutes=61)))
        too_late = request_undo(session, person, utcnow(), 60)
    assert (too_late.post_id, too_late.refusal) == (
        None,
        "Your last post is over 60 minutes old, so UNDO cannot take it down.",
    )

    with transaction(rt.sessions) as session:
        session.execute(update(Post).values(created_at=utcnow()))
    assert undo(rt, person) is not None
    with transaction(rt.sessions) as session:
        again = request_undo(session, person, utcnow(), 60)
    assert (again.post_id, again.refusal) == (None, replies.ALREADY_UNDONE)
