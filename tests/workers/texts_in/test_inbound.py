"""handle_inbound: who sent it, what post it makes, and what it says back."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import select

from store.models import Delivery, InboundMessage, OutboundMessage, Post, utcnow
from tests.conftest import run_jobs
from tests.factories import PHONE, add_event, add_inbound, add_person
from workers.runtime import Runtime
from workers.texts_in.commands import EMPTY_HINT
from workers.texts_in.inbound import process_inbound
from workers.texts_out import replies


def outbox(rt: Runtime) -> list[OutboundMessage]:
    with rt.sessions() as session:
        return list(session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def posts(rt: Runtime) -> list[Post]:
    with rt.sessions() as session:
        return list(session.scalars(select(Post).order_by(Post.id)))


def test_a_post_gets_the_event_hashtag_and_a_delivery_per_account(
    rt: Runtime, queue: Queue
) -> None:
    person = add_person(rt, accounts=[("local", "aroha", {}), ("local", "aroha2", {})])
    add_event(rt, hashtags="#swrb13 #socialwork", attendees=(person,))
    inbound = add_inbound(rt, "Great keynote")

    process_inbound(rt, inbound)

    [post] = posts(rt)
    assert (post.body, post.hashtags) == ("Great keynote", "#swrb13 #socialwork")
    with rt.sessions() as session:
        deliveries = session.scalars(
            select(Delivery).where(Delivery.post_id == post.id).order_by(Delivery.id)
        ).all()
    # The handling job published the first itself; the second waits for a job of its own.
    assert [d.status for d in deliveries] == ["published", "queued"]
    assert queue.get_job_ids() == [f"publish_delivery-{deliveries[1].id}"]


def test_a_hashtag_already_in_the_text_is_not_added_again(rt: Runtime) -> None:
    person = add_person(rt)
    add_event(rt, hashtags="#swrb13 #socialwork", attendees=(person,))

    process_inbound(rt, add_inbound(rt, "Loving #SWRB13 so far"))

    [post] = posts(rt)
    assert post.hashtags == "#socialwork"


def test_no_hashtag_once_the_event_window_has_closed(rt: Runtime) -> None:
    person = add_person(rt)
    now = utcnow()
    add_event(
        rt, starts=now - timedelta(days=3), ends=now - timedelta(hours=1), attendees=(person,)
    )

    process_inbound(rt, add_inbound(rt, "Home again"))

    [post] = posts(rt)
    assert post.hashtags == ""


def test_no_hashtag_before_the_event_starts(rt: Runtime) -> None:
    person = add_person(rt)
    now = utcnow()
    add_event(rt, starts=now + timedelta(days=1), ends=now + timedelta(days=2), attendees=(person,))

    process_inbound(rt, add_inbound(rt, "Packing for the conference"))

    [post] = posts(rt)
    assert post.hashtags == ""


def test_an_unknown_sender_gets_one_polite_reply_a_day(rt: Runtime) -> None:
    stranger = "+64219876543"
    for n in range(3):
        process_inbound(rt, add_inbound(rt, "hello?", sender=stranger, sid=f"SM{n}"))

    texts = outbox(rt)
    assert [(t.to_phone, t.body, t.kind) for t in texts] == [
        (stranger, replies.UNKNOWN_SENDER, "unknown_sender")
    ]
    assert posts(rt) == []
    assert "registered" not in texts[0].body.lower()  # says nothing about who is


@pytest.mark.parametrize(
    "sender",
    [
        "+6421" + "9" * 25,  # 29 digits: no number is so long (the webhook refuses over 32)
        "SMSBRIDGE",  # an alphanumeric sender id
        "+8823421234",  # valid, but an international network (region 001), not ours
        "+61412345678",  # valid, in Australia: not a region we answer
    ],
)
def test_numbers_we_would_not_pay_to_answer_get_nothing(rt: Runtime, sender: str) -> None:
    process_inbound(rt, add_inbound(rt, "hello?", sender=sender))

    assert outbox(rt) == []
    with rt.sessions() as session:
        assert session.scalars(select(InboundMessage.status)).one() == "ignored"


def test_the_regions_answered_are_a_setting(rt: Runtime) -> None:
    rt = replace(rt, settings=replace(rt.settings, reply_regions=("NZ", "AU")))

    process_inbound(rt, add_inbound(rt, "hello?", sender="+61412345678"))

    assert [t.to_phone for t in outbox(rt)] == ["+61412345678"]


def test_unknown_senders_are_answered_at_most_so_many_a_day_in_all(rt: Runtime) -> None:
    rt = replace(rt, settings=replace(rt.settings, unknown_replies_per_day=3))

    for n in range(5):
        process_inbound(rt, add_inbound(rt, "hello?", sender=f"+6421987654{n}", sid=f"SM{n}"))

    assert len(outbox(rt)) == 3


def test_an_unknown_sender_is_told_again_after_the_quiet_day(rt: Runtime) -> None:
    from store.db import transaction
    from store.models import SenderNotice

    stranger = "+64219876543"
    process_inbound(rt, add_inbound(rt, "hello?", sender=stranger, sid="SM1"))
    with transaction(rt.sessions) as session:
        notice = session.scalars(select(SenderNotice)).one()
        notice.sent_at = utcnow() - timedelta(hours=25)
    process_inbound(rt, add_inbound(rt, "anyone?", sender=stranger, sid="SM2"))

    assert len(outbox(rt)) == 2


def test_a_switched_off_phone_posts_nothing_and_is_told_now_and_then(rt: Runtime) -> None:
    from store.db import transaction
    from store.models import Person

    person = add_person(rt)
    with transaction(rt.sessions) as session:
        session.get_one(Person, person).active = False

    process_inbound(rt, add_inbound(rt, "a post", sid="SM1"))
    process_inbound(rt, add_inbound(rt, "another", sid="SM2"))

    assert posts(rt) == []
    assert [t.body for t in outbox(rt)] == [replies.switched_off("your admin")]


def test_a_person_with_no_accounts_is_told_so(rt: Runtime) -> None:
    add_person(rt, accounts=[])

    process_inbound(rt, add_inbound(rt, "a post"))

    assert posts(rt) == []
    assert [t.body for t in outbox(rt)] == [replies.NO_ACCOUNTS]


def test_an_empty_text_is_not_posted(rt: Runtime) -> None:
    add_person(rt)

    process_inbound(rt, add_inbound(rt, "   "))

    assert posts(rt) == []
    assert [t.body for t in outbox(rt)] == [EMPTY_HINT]


def test_a_national_format_sender_matches_the_registered_person(rt: Runtime) -> None:
    add_person(rt, phone=PHONE)

    process_inbound(rt, add_inbound(rt, "kia ora", sender="021 123 4567"))

    assert len(posts(rt)) == 1


def test_handling_the_same_text_twice_makes_one_post(rt: Runtime, queue: Queue) -> None:
    add_person(rt)
    inbound = add_inbound(rt, "once only")

    process_inbound(rt, inbound)
    process_inbound(rt, inbound)

    assert len(posts(rt)) == 1
    with rt.sessions() as session:
        assert session.get_one(InboundMessage, inbound).status == "handled"


def test_the_whole_chain_on_a_real_rq_worker_ends_in_one_reply(rt: Runtime, queue: Queue) -> None:
    person = add_person(rt)
    add_event(rt, attendees=(person,))
    inbound = add_inbound(rt, "Great keynote")
    queue.enqueue("workers.texts_in.inbound.handle_inbound", inbound)

    run_jobs(queue)

    [post] = posts(rt)
    with rt.sessions() as session:
        delivery = session.scalars(select(Delivery)).one()
    assert delivery.status == "published"
    assert delivery.text == "Great keynote #swrb13"
    assert delivery.remote_url == f"{rt.settings.public_url}/timeline#post-{delivery.remote_id}"
    [reply] = outbox(rt)
    assert (reply.kind, reply.status, reply.segments) == ("post_reply", "outbox", 1)
    assert reply.body == "Posted to Local timeline @aroha."
    assert post.replied_at is not None
