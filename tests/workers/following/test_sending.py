"""send_broadcast: each text once, to those who still want it, within the day's budget."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from store.db import transaction
from store.models import AuditEntry, Broadcast, Event, Follow, OutboundMessage, utcnow
from tests.factories import PHONE, add_person
from tests.peers.twilio import UNSUBSCRIBED, TwilioPeer
from tests.workers.following.conftest import (
    add_followers,
    broadcast_notice,
    text_from,
    texts_to,
)
from workers.following.broadcasts import progress
from workers.following.sending import run_broadcast
from workers.runtime import Runtime
from workers.sweeper import run_sweep
from workers.texts_out.pacing import sender_pacer


def statuses(rt: Runtime, broadcast_id: int) -> dict[str, str]:
    """Each recipient's text's status."""
    with rt.sessions() as session:
        return dict(
            session.execute(
                select(OutboundMessage.to_phone, OutboundMessage.status).where(
                    OutboundMessage.broadcast_id == broadcast_id
                )
            ).all()
        )


def test_a_notice_reaches_followers_and_attendees_once(rt: Runtime, event: int) -> None:
    add_person(rt)
    text_from(rt, PHONE, "JOIN SWRB13")  # an attendee
    followers = add_followers(rt, event, 2, level="notices")
    broadcast_id = broadcast_notice(rt, event)

    outcome = run_broadcast(rt, broadcast_id)

    assert outcome == "done"
    assert statuses(rt, broadcast_id) == {phone: "outbox" for phone in [PHONE, *followers]}
    assert [t.body for t in texts_to(rt, followers[0])] == ["SWRB13: Keynote moved to room 4"]
    with rt.sessions() as session:
        assert session.get_one(Broadcast, broadcast_id).status == "done"
        assert progress(session, broadcast_id) == {
            "sent": 3, "waiting": 0, "failed": 0, "skipped": 0,
        }  # fmt: skip
    assert run_broadcast(rt, broadcast_id) == "not sending"  # again: nothing more


def test_stop_and_unfollow_before_their_turn_stop_their_texts(rt: Runtime, event: int) -> None:
    stops, unfollows, stays = add_followers(rt, event, 3)
    broadcast_id = broadcast_notice(rt, event)

    text_from(rt, stops, "STOP")
    text_from(rt, unfollows, "UNFOLLOW")
    run_broadcast(rt, broadcast_id)

    assert statuses(rt, broadcast_id) == {
        stops: "opted_out", unfollows: "cancelled", stays: "outbox",
    }  # fmt: skip


def test_the_days_budget_stops_every_broadcast_and_the_organiser_is_told(
    rt: Runtime, event: int
) -> None:
    small = replace(rt, settings=replace(rt.settings, event_daily_segments=5))
    add_followers(rt, event, 8)
    broadcast_id = broadcast_notice(small, event)

    outcome = run_broadcast(small, broadcast_id)

    assert outcome == "over budget"
    assert sorted(statuses(rt, broadcast_id).values()) == ["outbox"] * 5 + ["over_budget"] * 3
    with rt.sessions() as session:
        assert session.get_one(Broadcast, broadcast_id).status == "stopped"
        assert session.get_one(Event, event).budget_stopped_at is not None
        audited = session.execute(
            select(AuditEntry.action, AuditEntry.detail).order_by(AuditEntry.id)
        ).all()
    assert audited == [
        ("text budget at 80%", "4 of 5 segments"),
        ("text budget spent", "5 of 5 segments"),
    ]
    # A broadcast started later the same day sends nothing.
    later = broadcast_notice(small, event, "Dinner at 7")
    assert run_broadcast(small, later) == "over budget"


def test_a_slice_that_runs_out_carries_on_in_a_job_of_its_own(rt: Runtime, event: int) -> None:
    add_followers(rt, event, 2)
    broadcast_id = broadcast_notice(rt, event)
    sender_pacer(rt.queue.connection, rt.settings).pause(60)  # Twilio said 429

    outcome = run_broadcast(rt, broadcast_id, slice_seconds=0.2)

    assert outcome == "carried on"
    assert f"send_broadcast-{broadcast_id}-turn-1" in rt.queue.job_ids
    assert set(statuses(rt, broadcast_id).values()) == {"waiting"}


def test_the_sweeper_restarts_a_broadcast_whose_worker_died(rt: Runtime, event: int) -> None:
    add_followers(rt, event, 2)
    broadcast_id = broadcast_notice(rt, event)
    with transaction(rt.sessions) as session:
        session.get_one(Broadcast, broadcast_id).heartbeat_at = utcnow() - timedelta(minutes=10)
    fresh = broadcast_notice(rt, event, "Dinner at 7")  # just started: its job is on its way

    run_sweep(rt)

    assert f"send_broadcast-{broadcast_id}" in rt.queue.job_ids
    assert f"send_broadcast-{fresh}" not in rt.queue.job_ids


def test_twilios_21610_opts_the_number_out_and_ends_its_follows(
    twilio_rt: Runtime, peer: TwilioPeer, event: int
) -> None:
    gone, stays = add_followers(twilio_rt, event, 2)
    broadcast_id = broadcast_notice(twilio_rt, event)
    peer.fail_next(UNSUBSCRIBED)  # the first text: its number said STOP to Twilio itself

    run_broadcast(twilio_rt, broadcast_id)

    assert statuses(twilio_rt, broadcast_id)[gone] == "failed"
    assert [m["to"] for m in peer.messages] == [stays]
    assert text_from(twilio_rt, gone, "HELP") == []  # opted out: nothing is sent to it
    with twilio_rt.sessions() as session:
        ended = session.scalars(select(Follow).where(Follow.phone == gone)).one()
    assert (ended.status, ended.ended_by) == ("ended", "twilio-21610")


def test_two_senders_of_one_broadcast_send_each_text_once(
    twilio_rt: Runtime, peer: TwilioPeer, event: int
) -> None:
    phones = add_followers(twilio_rt, event, 30)
    broadcast_id = broadcast_notice(twilio_rt, event)
    fast = replace(twilio_rt, settings=replace(twilio_rt.settings, sms_per_second=200.0))

    senders = [threading.Thread(target=run_broadcast, args=(fast, broadcast_id)) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=60)

    assert sorted(m["to"] for m in peer.messages) == phones  # each once, none twice
    assert set(statuses(twilio_rt, broadcast_id).values()) == {"queued"}
