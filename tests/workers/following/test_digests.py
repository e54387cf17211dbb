"""The digest: picks pinned and most-replied posts, fits one segment, goes when due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from store.db import transaction
from store.models import Broadcast, Event, OutboundMessage, Post, utcnow
from store.wall import Place, Reply, WallPost
from tests.conftest import run_jobs
from tests.factories import PHONE, add_person
from tests.workers.following.conftest import add_followers, text_from, texts_to
from workers.following.digests import digest_text, due_digests, pick
from workers.runtime import Runtime
from workers.sweeper import run_sweep
from workers.texts_out.segments import count_segments

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def wall_post(
    key: str, text: str, minutes: int, replies: int = 0, pinned: bool = False
) -> WallPost:
    """A post as the wall shows it, made `minutes` after T0."""
    reply = Reply("mere", "Ka pai", "https://example.org/r", T0)
    return WallPost(
        key=key,
        text=text,
        created_at=T0 + timedelta(minutes=minutes),
        places=(Place("local", "aroha", "https://example.org/p"),),
        pinned_at=T0 if pinned else None,
        hidden=False,
        replies=(reply,) * replies,
    )


def test_pinned_first_then_most_replied_then_newest_since_the_last_digest() -> None:
    posts = [
        wall_post("p1", "Before the last digest", -10, replies=9),
        wall_post("p2", "Quiet one", 5),
        wall_post("p3", "Much discussed", 10, replies=4),
        wall_post("p4", "Pinned by the organiser", 20, pinned=True),
        wall_post("p5", "Newest", 30),
        wall_post("t6", "Someone else's, from the hashtag", 40, replies=20),
    ]

    picked = pick(posts, since=T0)

    assert [p.key for p in picked] == ["p4", "p3", "p5"]


def test_the_digest_fits_one_segment_with_each_author() -> None:
    posts = [
        wall_post("p1", "A very long post about supervision and caseloads " * 4, 1, replies=3),
        wall_post("p2", "Short one", 2, replies=2),
    ]

    text = digest_text("SWRB13", posts, 1)

    assert text.startswith("SWRB13 digest: @aroha: A very long post")
    assert "... (3 replies) | @aroha: Short one (2 replies)" in text
    assert count_segments(text).segments == 1


def test_the_sweeper_sends_a_due_digest_to_digest_followers(rt: Runtime, event: int) -> None:
    add_person(rt)
    text_from(rt, PHONE, "JOIN SWRB13")
    text_from(rt, PHONE, "Day two: the panel on supervision")
    (digest,) = add_followers(rt, event, 1, level="digest")
    (notices,) = add_followers(rt, event, 1, level="notices", first=1)
    with transaction(rt.sessions) as session:
        started = utcnow() - timedelta(hours=5)
        session.execute(update(Event).values(starts_at=started))
        session.execute(update(Post).values(created_at=utcnow() - timedelta(hours=1)))
    with rt.sessions() as session:
        assert due_digests(session, utcnow()) == [event]

    run_sweep(rt)
    run_jobs(rt.queue)

    assert [t.body for t in texts_to(rt, digest)] == [
        "SWRB13 digest: @aroha: Day two: the panel on supervision #swrb13"
    ]
    assert texts_to(rt, notices) == []
    with rt.sessions() as session:
        assert session.scalar(select(Broadcast.kind)) == "digest"
        assert session.get_one(Event, event).last_digest_at is not None
    with rt.sessions() as session:
        assert due_digests(session, utcnow()) == []  # the next one in 4 hours


def test_nothing_new_sends_no_digest(rt: Runtime, event: int) -> None:
    add_followers(rt, event, 1, level="digest")
    with transaction(rt.sessions) as session:
        session.execute(update(Event).values(starts_at=utcnow() - timedelta(hours=5)))

    run_sweep(rt)

    with rt.sessions() as session:
        assert session.scalars(select(OutboundMessage)).all() == []
        assert session.scalar(select(Event.last_digest_at)) is not None
