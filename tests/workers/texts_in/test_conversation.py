"""The SMS conversation: each command by text, with the exact reply, in one segment."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import select, update

from store.db import transaction
from store.models import (
    Account,
    Delivery,
    Event,
    HeldPost,
    InboundMessage,
    OptOut,
    OutboundMessage,
    Person,
    Post,
    TimelineEntry,
    utcnow,
)
from tests.conftest import run_jobs
from tests.factories import PHONE, add_event, add_inbound, add_person
from workers.runtime import Runtime
from workers.texts_in.confirming import send_code
from workers.texts_in.inbound import process_inbound
from workers.texts_out import replies
from workers.texts_out.segments import count_segments

_sids = itertools.count(1)


# The reply to a post, sent by the job that handled the text, which published it.
POSTED = "Posted to Local timeline @aroha."


def text(rt: Runtime, body: str, sender: str = PHONE) -> list[str]:
    """Handle one text from the sender; return the replies it caused, in order."""
    with rt.sessions() as session:
        before = session.scalar(select(OutboundMessage.id).order_by(OutboundMessage.id.desc()))
    process_inbound(rt, add_inbound(rt, body, sender=sender, sid=f"SMc{next(_sids):030d}"))
    with rt.sessions() as session:
        rows = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.id > (before or 0))
            .order_by(OutboundMessage.id)
        ).all()
    for row in rows:
        # Every system reply fits one GSM-7 segment: the point of this whole module.
        assert (count_segments(row.body).segments, row.encoding) == (1, "GSM-7"), row.body
    return [row.body for row in rows]


def post_bodies(rt: Runtime) -> list[str]:
    """Every post made, oldest first."""
    with rt.sessions() as session:
        return list(session.scalars(select(Post.body).order_by(Post.id)))


def test_help_says_what_to_text_and_whom_to_ask(rt: Runtime) -> None:
    add_person(rt)

    assert text(rt, " help ") == [replies.help_text("your admin")]
    assert text(rt, "HLEP") == [replies.help_text("your admin")]
    assert "JOIN" in replies.help_text("x") and "STOP" in replies.help_text("x")
    assert post_bodies(rt) == []


def test_stop_sends_nothing_more_and_posts_nothing_until_start(rt: Runtime, queue: Queue) -> None:
    add_person(rt)

    assert text(rt, "STOP") == []  # Twilio confirms an opt-out itself
    assert text(rt, "Still posting?") == []
    assert text(rt, "Unsubscribe") == []
    with rt.sessions() as session:
        assert session.scalars(select(OptOut.word)).all() == ["STOP"]
    assert text(rt, "start") == [replies.OPTED_IN]
    text(rt, "Back again")
    run_jobs(queue)

    assert post_bodies(rt) == ["Back again"]


def test_an_unknown_number_can_opt_out_too(rt: Runtime) -> None:
    assert text(rt, "STOP", sender="+64219998877") == []
    assert text(rt, "hello?", sender="+64219998877") == []  # not even the unknown-sender notice
    with rt.sessions() as session:
        assert session.scalars(select(OptOut.phone)).all() == ["+64219998877"]


def test_join_leave_and_events(rt: Runtime) -> None:
    add_person(rt)
    add_event(rt, code="SWRB13", hashtags="#swrb13 #socialwork")
    now = utcnow()
    add_event(rt, code="NURSE26", hashtags="#nurse26", starts=now + timedelta(days=2))
    add_event(rt, code="OLD25", starts=now - timedelta(days=9), ends=now - timedelta(days=8))

    assert text(rt, "EVENTS") == [
        "Events: SWRB13 (Event SWRB13) and NURSE26 (Event NURSE26). Text JOIN and a code."
    ]
    assert text(rt, "join nope9") == ["No event has the code NOPE9. Text EVENTS to see the codes."]
    assert text(rt, "JOIN old25") == [
        "OLD25 has ended, so you did not join it. Text EVENTS to see the others."
    ]
    [before_start] = text(rt, "JOIN NURSE26")
    assert before_start.startswith(
        "You joined NURSE26. Its hashtags #nurse26 go on your posts from "
    )
    assert text(rt, "jion swrb13") == [
        "You joined SWRB13. Your posts get #swrb13 and #socialwork until it ends. LEAVE to stop."
    ]
    text(rt, "Kia ora from the hui")
    assert text(rt, "LEAVE") == ["You left SWRB13. Your posts no longer get its hashtags."]
    assert text(rt, "LEAVE") == [replies.NOT_AT_EVENT]
    text(rt, "After leaving")

    with rt.sessions() as session:
        tags = session.scalars(select(Post.hashtags).order_by(Post.id)).all()
    assert tags == ["#swrb13 #socialwork", ""]
    assert text(rt, "JOIN") == [
        "Text JOIN and the event code, e.g. JOIN SWRB13. Text EVENTS to see the codes."
    ]


def test_status_lists_accounts_event_and_posts(rt: Runtime) -> None:
    person = add_person(rt, accounts=[("local", "aroha", {}), ("mastodon", "aroha@m.nz", {})])
    add_event(rt, attendees=(person,))
    with transaction(rt.sessions) as session:
        session.execute(
            update(Account).where(Account.platform == "mastodon").values(status="needs_relink")
        )
    text(rt, "One post")

    assert text(rt, "status") == [
        "Event: SWRB13. Posts in 24h: 1. Accounts: Local timeline ok and Mastodon needs relinking."
    ]


def test_a_platform_prefix_posts_to_that_platform_only(rt: Runtime) -> None:
    add_person(rt, accounts=[("local", "aroha", {}), ("mastodon", "aroha@m.nz", {})])

    text(rt, "TL: Only on the local timeline")
    assert text(rt, "X: nowhere") == [
        "Nothing was posted: you have no working X account linked. Ask your admin."
    ]

    with rt.sessions() as session:
        platforms = session.scalars(select(Account.platform).join(Delivery)).all()
    assert platforms == ["local"]
    assert post_bodies(rt) == ["Only on the local timeline"]


def test_undo_takes_the_last_post_down_and_says_so(rt: Runtime, queue: Queue) -> None:
    add_person(rt)
    text(rt, "Oops, wrong words")
    run_jobs(queue)

    assert text(rt, "UNDO") == []  # the answer comes once the post is down
    run_jobs(queue)
    assert text(rt, "UNDO") == [replies.ALREADY_UNDONE]

    with rt.sessions() as session:
        assert session.scalars(select(TimelineEntry.deleted_at)).one() is not None
        undone = session.scalars(select(OutboundMessage.body).where(OutboundMessage.kind == "undo"))
        assert list(undone) == ["Deleted your last post from Local timeline @aroha."]


def test_a_pin_guards_posts_and_a_day_s_wrong_pins_pause_posting(rt: Runtime, queue: Queue) -> None:
    add_person(rt)

    assert text(rt, "PIN 4821") == [replies.PIN_SET]
    assert text(rt, "No PIN here") == [replies.PIN_MISSING]
    assert text(rt, "4821 With the PIN") == [POSTED]
    run_jobs(queue)
    assert post_bodies(rt) == ["With the PIN"]  # the PIN itself is never posted
    with rt.sessions() as session:
        stored = session.scalars(select(Person.pin_hash)).one()
    assert stored is not None and "4821" not in stored

    assert text(rt, "1111 guess") == [replies.wrong_pin(2)]
    assert text(rt, "4821 The owner posts between guesses") == [POSTED]
    assert text(rt, "2222 guess") == [replies.wrong_pin(1)]  # the right PIN wiped nothing
    [paused] = text(rt, "3333 guess")
    assert paused.startswith("Too many wrong PINs: posting is paused until ")
    assert text(rt, "4821 right, but paused") == [paused]
    assert post_bodies(rt) == ["With the PIN", "The owner posts between guesses"]


def set_person(rt: Runtime, **values: object) -> None:
    """Change the person's row, as time passing would."""
    with transaction(rt.sessions) as session:
        session.execute(update(Person).values(**values))


def test_wrong_pins_are_forgotten_after_a_day(rt: Runtime) -> None:
    add_person(rt)
    text(rt, "PIN 4821")
    text(rt, "1111 guess")
    text(rt, "2222 guess")
    set_person(rt, pin_failed_since=utcnow() - timedelta(days=1, minutes=1))

    assert text(rt, "3333 guess") == [replies.wrong_pin(2)]


def test_a_pause_lifts_after_a_day_and_the_third_in_a_month_locks(rt: Runtime) -> None:
    add_person(rt)
    text(rt, "PIN 4821")
    for pause in range(2):
        for guess in ("1111", "2222", "3333"):
            text(rt, f"{guess} guess")
        set_person(rt, posting_paused_until=utcnow() - timedelta(minutes=1))  # a day on
        assert text(rt, f"4821 Posting again {pause}") == [POSTED]

    for guess in ("1111", "2222", "3333"):
        last = text(rt, f"{guess} guess")

    assert last == [replies.locked("your admin")]
    with rt.sessions() as session:
        person = session.scalars(select(Person)).one()
    assert person.posting_locked_at is not None and person.pin_pauses == 3
    set_person(rt, posting_paused_until=utcnow() - timedelta(minutes=1))
    assert text(rt, "4821 Locked, not paused") == [replies.locked("your admin")]


def test_no_pin_or_code_is_kept_in_the_stored_texts(rt: Runtime) -> None:
    add_person(rt)
    with transaction(rt.sessions) as session:  # a phone still to confirm, with its code
        person = session.scalars(select(Person)).one()
        person.phone_confirmed_at = None
        code_text = send_code(session, person, utcnow())
    code = code_text.body.split()[4].rstrip(".")

    text(rt, "123456")  # a wrong code
    text(rt, code)
    text(rt, "PIN 4821")
    text(rt, "4821 Great keynote")
    text(rt, "4821 PIN 5555")
    text(rt, "5555 STATUS")

    with rt.sessions() as session:
        kept = session.scalars(select(InboundMessage.body).order_by(InboundMessage.id)).all()
        assert session.scalars(select(Person.phone_confirmed_at)).one() is not None
    assert post_bodies(rt) == ["Great keynote"]
    assert kept == [
        "****",
        "****",
        "PIN ****",
        "**** Great keynote",
        "**** PIN ****",
        "**** STATUS",
    ]


def test_changing_or_removing_a_pin_needs_the_pin(rt: Runtime) -> None:
    add_person(rt)
    text(rt, "PIN 4821")

    assert text(rt, "PIN 1234") == [replies.PIN_MISSING]  # a faked sender cannot change it
    assert text(rt, "4821 PIN 1234") == [replies.PIN_SET]
    assert text(rt, "1234 PIN OFF") == [replies.PIN_REMOVED]
    assert text(rt, "PIN OFF") == [replies.NO_PIN]


def test_the_hourly_post_limit_is_told(rt: Runtime) -> None:
    add_person(rt)
    for n in range(rt.settings.posts_per_hour):
        assert text(rt, f"Post number {n}") == [POSTED]

    assert text(rt, "One too many") == [replies.over_post_limit(rt.settings.posts_per_hour)]
    assert len(post_bodies(rt)) == rt.settings.posts_per_hour


def test_a_text_with_an_nhi_number_is_held_until_yes(rt: Runtime, queue: Queue) -> None:
    add_person(rt)

    [held] = text(rt, "Saw ZZZ0016 today, my client is doing well")
    assert held == (
        "Not posted yet: it may identify someone. Found: an NHI number and words about a "
        "client. Text YES within 60 min to post it anyway; any other text drops it."
    )
    assert post_bodies(rt) == []
    assert text(rt, "YES") == [POSTED]
    run_jobs(queue)

    assert post_bodies(rt) == ["Saw ZZZ0016 today, my client is doing well"]
    assert text(rt, "YES") == [replies.NOTHING_HELD]


def test_a_name_with_a_court_date_is_held_and_the_reply_says_so_without_the_words(
    rt: Runtime,
) -> None:
    add_person(rt)

    [held] = text(rt, "Tama's FGC got adjourned again, gutted for him")
    assert held == (
        "Not posted yet: it may identify someone. Found: a name with a court matter. "
        "Text YES within 60 min to post it anyway; any other text drops it."
    )
    assert post_bodies(rt) == []


def test_the_events_public_names_are_posted_without_a_hold(rt: Runtime) -> None:
    person = add_person(rt)
    event = add_event(rt, attendees=(person,))
    speaker_post = "Losa Moata'ane on families and the courts, powerful"
    assert text(rt, speaker_post) == [
        "Not posted yet: it may identify someone. Found: a name with a court matter. "
        "Text YES within 60 min to post it anyway; any other text drops it."
    ]
    text(rt, "no")  # drops it
    with transaction(rt.sessions) as session:
        session.execute(
            update(Event).where(Event.id == event).values(public_names="Losa Moata'ane")
        )

    assert text(rt, speaker_post) == [POSTED]
    assert post_bodies(rt) == [speaker_post]


def test_yes_needs_the_pin_like_any_post(rt: Runtime, queue: Queue) -> None:
    add_person(rt)
    text(rt, "PIN 4821")
    text(rt, "4821 Saw ZZZ0016 today")

    assert text(rt, "YES") == [replies.PIN_MISSING]  # a faked sender cannot release it
    assert text(rt, "4821 yes") == [POSTED]
    run_jobs(queue)

    assert post_bodies(rt) == ["Saw ZZZ0016 today"]


def test_anything_but_yes_drops_a_held_post(rt: Runtime) -> None:
    add_person(rt)
    text(rt, "Call her on 021 555 1234")

    assert text(rt, "no thanks") == [replies.HELD_DROPPED]  # an answer, not a post
    with rt.sessions() as session:
        assert session.scalars(select(HeldPost.status)).all() == ["dropped"]
    assert post_bodies(rt) == []
    text(rt, "Email me at aroha@example.org")
    assert text(rt, "STATUS")[0] == replies.HELD_DROPPED  # a command still runs after it


def test_a_held_post_expires(rt: Runtime) -> None:
    add_person(rt)
    text(rt, "Email me at aroha@example.org")
    with transaction(rt.sessions) as session:
        session.execute(update(HeldPost).values(expires_at=utcnow() - timedelta(seconds=1)))

    assert text(rt, "YES") == [replies.NOTHING_HELD]
    assert post_bodies(rt) == []


def test_an_event_can_turn_the_check_off(rt: Runtime) -> None:
    person = add_person(rt)
    event = add_event(rt, attendees=(person,))
    with transaction(rt.sessions) as session:
        session.execute(update_event_check(event))

    assert text(rt, "Call us on 021 555 1234 for the booth") == [POSTED]
    assert post_bodies(rt) == ["Call us on 021 555 1234 for the booth"]


def update_event_check(event_id: int):  # type: ignore[no-untyped-def]
    """Turn the confidentiality check off for an event."""
    return update(Event).where(Event.id == event_id).values(check_confidentiality=False)


@pytest.mark.parametrize("body", ["X: UNDO", "REPLY x", "PIN 12"])
def test_a_mistyped_command_is_never_posted(rt: Runtime, body: str) -> None:
    add_person(rt)

    [hint] = text(rt, body)

    assert hint
    assert post_bodies(rt) == []
