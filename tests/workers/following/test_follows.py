"""FOLLOW and UNFOLLOW by text: people at once, strangers with a code, consent on record."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from store.db import transaction
from store.models import Event, Follow, OptOut
from tests.factories import PHONE, add_person
from tests.workers.following.conftest import STRANGER, text_from, texts_to
from workers.runtime import Runtime
from workers.texts_out import replies
from workers.texts_out.segments import count_segments


def follows(rt: Runtime) -> list[Follow]:
    """Every follow on record, oldest first."""
    with rt.sessions() as session:
        return list(session.scalars(select(Follow).order_by(Follow.id)))


def test_a_person_follows_at_once_and_the_consent_is_kept(rt: Runtime, event: int) -> None:
    add_person(rt)

    said = text_from(rt, PHONE, "follow swrb13 all")

    assert said == [replies.following("SWRB13", "all", 4, 20)]
    (follow,) = follows(rt)
    assert (follow.event_id, follow.phone, follow.level, follow.status) == (
        event, PHONE, "all", "active",
    )  # fmt: skip
    assert follow.asked_with == "follow swrb13 all" and follow.inbound_id is not None
    assert follow.confirmed_at is not None and follow.code_hash is None


def test_a_stranger_follows_once_the_code_comes_back(rt: Runtime, event: int) -> None:
    (sent,) = text_from(rt, STRANGER, "FOLLOW SWRB13 DIGEST")
    code = re.search(r"\d{6}", sent)
    assert code is not None
    assert sent == replies.follow_code(code.group(), "SWRB13")
    assert [(f.status, f.level) for f in follows(rt)] == [("confirming", "digest")]

    wrong = text_from(rt, STRANGER, "000000" if code.group() != "000000" else "111111")
    right = text_from(rt, STRANGER, code.group())

    assert wrong == [replies.WRONG_FOLLOW_CODE]
    assert right == [replies.following("SWRB13", "digest", 4, 20)]
    assert [f.status for f in follows(rt)] == ["active"]
    assert all(count_segments(t.body).segments == 1 for t in texts_to(rt, STRANGER))


def test_a_stranger_gets_one_code_in_ten_minutes_however_often_they_ask(
    rt: Runtime, event: int
) -> None:
    first = text_from(rt, STRANGER, "FOLLOW SWRB13")
    again = text_from(rt, STRANGER, "FOLLOW SWRB13 ALL")

    assert "reply" in first[0] and re.search(r"\d{6}", first[0])
    assert again == [replies.FOLLOW_CODE_SENT]
    assert [(f.status, f.level) for f in follows(rt)] == [("confirming", "all")]


def test_an_event_not_open_to_followers_or_unknown_is_said_so(rt: Runtime, event: int) -> None:
    with transaction(rt.sessions) as session:
        session.execute(update(Event).values(open_to_followers=False))

    closed = text_from(rt, STRANGER, "FOLLOW SWRB13")
    unknown = text_from(rt, STRANGER, "FOLLOW NOPE99")

    assert closed == [replies.not_open_to_followers("SWRB13")]
    assert unknown == [replies.no_such_event("NOPE99")]
    assert follows(rt) == []


def test_unfollow_ends_the_follow_and_a_new_follow_is_a_new_record(rt: Runtime, event: int) -> None:
    add_person(rt)
    text_from(rt, PHONE, "FOLLOW SWRB13 ALL")

    stopped = text_from(rt, PHONE, "UNFOLLOW")
    nothing = text_from(rt, PHONE, "UNFOLLOW SWRB13")
    text_from(rt, PHONE, "FOLLOW SWRB13 NOTICES")

    assert stopped == [replies.unfollowed(["SWRB13"])]
    assert nothing == [replies.not_following("SWRB13")]
    first, second = follows(rt)
    assert (first.status, first.ended_by, first.level) == ("ended", "UNFOLLOW", "all")
    assert (second.status, second.level) == ("active", "notices")


def test_changing_level_ends_the_old_follow(rt: Runtime, event: int) -> None:
    add_person(rt)
    text_from(rt, PHONE, "FOLLOW SWRB13 ALL")
    text_from(rt, PHONE, "FOLLOW SWRB13 DIGEST")

    assert [(f.level, f.status, f.ended_by) for f in follows(rt)] == [
        ("all", "ended", "FOLLOW again"),
        ("digest", "active", ""),
    ]


def test_stop_ends_every_follow_and_start_does_not_bring_them_back(rt: Runtime, event: int) -> None:
    (sent,) = text_from(rt, STRANGER, "FOLLOW SWRB13 ALL")
    code = re.search(r"\d{6}", sent)
    assert code is not None
    text_from(rt, STRANGER, code.group())

    text_from(rt, STRANGER, "STOP")
    started = text_from(rt, STRANGER, "START")

    (follow,) = follows(rt)
    assert (follow.status, follow.ended_by) == ("ended", "STOP")
    assert started == [replies.OPTED_IN]
    with rt.sessions() as session:
        assert session.scalars(select(OptOut)).all() == []


def test_help_and_events_mention_follow(rt: Runtime, event: int) -> None:
    add_person(rt)
    (sent,) = text_from(rt, STRANGER, "FOLLOW SWRB13")
    code = re.search(r"\d{6}", sent)
    assert code is not None
    text_from(rt, STRANGER, code.group())

    person_help = text_from(rt, PHONE, "HELP")
    listed = text_from(rt, PHONE, "EVENTS")
    follower_help = text_from(rt, STRANGER, "HELP")

    assert "FOLLOW code" in person_help[0]
    assert "FOLLOW SWRB13 for its news" in listed[0]
    assert follower_help == [replies.follower_help(["SWRB13"])]


def test_a_stranger_who_follows_nothing_still_gets_the_unknown_sender_notice(
    rt: Runtime, event: int
) -> None:
    assert text_from(rt, STRANGER, "Hello?") == [replies.UNKNOWN_SENDER]
