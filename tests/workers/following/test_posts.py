"""A post of the event, texted to its FOLLOW ALL followers: not its author, up to the day's cap."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import update

from store.db import transaction
from store.models import Event
from tests.conftest import run_jobs
from tests.factories import PHONE, add_person
from tests.workers.following.conftest import add_followers, text_from, texts_to
from workers.runtime import Runtime


def test_a_post_reaches_all_followers_not_digest_ones_nor_its_author(
    rt: Runtime, event: int
) -> None:
    add_person(rt)
    text_from(rt, PHONE, "JOIN SWRB13")
    text_from(rt, PHONE, "FOLLOW SWRB13 ALL")  # its author follows too
    (everything,) = add_followers(rt, event, 1, level="all")
    (digest,) = add_followers(rt, event, 1, level="digest", first=1)

    text_from(rt, PHONE, "Day two: the panel on supervision")
    run_jobs(rt.queue)

    assert [t.body for t in texts_to(rt, everything)] == [
        "SWRB13 @aroha: Day two: the panel on supervision"
    ]
    assert texts_to(rt, digest) == []
    assert not any(t.kind == "followed_post" for t in texts_to(rt, PHONE))


def test_past_the_days_cap_a_follower_gets_no_more_posts(rt: Runtime, event: int) -> None:
    capped = replace(rt, settings=replace(rt.settings, follow_all_daily_cap=1))
    add_person(capped)
    text_from(capped, PHONE, "JOIN SWRB13")
    (follower,) = add_followers(capped, event, 1, level="all")

    text_from(capped, PHONE, "First thought")
    run_jobs(capped.queue)
    text_from(capped, PHONE, "Second thought")
    run_jobs(capped.queue)

    assert [t.body for t in texts_to(capped, follower)] == ["SWRB13 @aroha: First thought"]


def test_an_event_closed_to_followers_texts_nobody(rt: Runtime, event: int) -> None:
    add_person(rt)
    text_from(rt, PHONE, "JOIN SWRB13")
    (follower,) = add_followers(rt, event, 1, level="all")
    with transaction(rt.sessions) as session:
        session.execute(update(Event).values(open_to_followers=False))

    text_from(rt, PHONE, "Day two: the panel on supervision")
    run_jobs(rt.queue)

    assert texts_to(rt, follower) == []
