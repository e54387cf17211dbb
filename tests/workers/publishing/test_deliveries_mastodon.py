"""Publishing to Mastodon end to end in-process: inbound text, publish job, local instance."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from rq import Queue
from sqlalchemy import select

from store.models import Account, Delivery, OutboundMessage
from tests.factories import PHONE, add_event, add_person, add_post
from tests.peers.mastodon import SERVICE_UNAVAILABLE, MastodonPeer
from workers.platforms.errors import TransientError
from workers.publishing.deliveries import publish
from workers.runtime import Runtime

STATUSES = "/api/v1/statuses"
SID = "SM0123456789abcdef0123456789abcdef"


@dataclass(frozen=True)
class Row:
    """A delivery as stored, with the replies sent about its post."""

    status: str
    attempts: int
    text: str
    remote_id: str | None
    remote_url: str | None
    error_kind: str | None
    last_error: str | None
    replies: list[tuple[str, str, str]]  # (to, kind, body)


@pytest.fixture
def peer() -> Iterator[MastodonPeer]:
    """A Mastodon instance on 127.0.0.1 for one test."""
    with MastodonPeer() as running:
        yield running


def post_text(rt: Runtime, peer: MastodonPeer, body: str, token: str | None = None) -> int:
    """Link a person to the peer, put them at #swrb13, handle their text; return the delivery."""
    credentials = {"instance": peer.url, "access_token": token or peer.access_token}
    person = add_person(rt, accounts=[("mastodon", f"aroha@{peer.host}", credentials)])
    add_event(rt, attendees=(person,))
    add_post(rt, body, sid=SID)
    with rt.sessions() as session:
        return session.scalars(select(Delivery.id)).one()


def stored(rt: Runtime, delivery_id: int) -> Row:
    """Read the delivery and every reply queued so far."""
    with rt.sessions() as session:
        d = session.get_one(Delivery, delivery_id)
        replies = session.execute(
            select(OutboundMessage.to_phone, OutboundMessage.kind, OutboundMessage.body)
        ).all()
        return Row(
            d.status,
            d.attempts,
            d.text,
            d.remote_id,
            d.remote_url,
            d.error_kind,
            d.last_error,
            [(r.to_phone, r.kind, r.body) for r in replies],
        )


def account_status(rt: Runtime) -> str:
    """The status of the one linked account."""
    with rt.sessions() as session:
        return session.scalars(select(Account.status)).one()


def test_a_text_is_posted_once_with_the_events_tag_and_a_reply(
    rt: Runtime, queue: Queue, peer: MastodonPeer
) -> None:
    delivery = post_text(rt, peer, "Kia ora from the hui")
    publish(rt, delivery)

    (request,) = peer.requests_to("POST", STATUSES)
    assert request.body["status"] == "Kia ora from the hui #swrb13"
    with rt.sessions() as session:
        account_id = session.scalars(select(Account.id)).one()
    assert request.headers["Idempotency-Key"] == f"{SID}-{account_id}-1"
    (status,) = peer.statuses
    row = stored(rt, delivery)
    assert (row.status, row.text) == ("published", "Kia ora from the hui #swrb13")
    assert (row.remote_id, row.remote_url) == (status["id"], status["url"])
    assert row.replies == [(PHONE, "post_reply", f"Posted to Mastodon @aroha@{peer.host}.")]
    # The delivery's own job handed the reply over: no job of its own.
    assert not any(job_id.startswith("send_sms-") for job_id in queue.job_ids)
    with rt.sessions() as session:
        assert session.scalars(select(OutboundMessage.status)).all() == ["outbox"]


def test_publishing_an_ended_delivery_again_asks_the_instance_nothing(
    rt: Runtime, peer: MastodonPeer
) -> None:
    delivery = post_text(rt, peer, "Only once")
    publish(rt, delivery)
    seen = len(peer.requests)

    publish(rt, delivery)

    assert len(peer.requests) == seen
    assert len(peer.statuses) == 1
    assert stored(rt, delivery).attempts == 1


def test_tags_that_do_not_fit_the_instances_limit_are_left_off(
    rt: Runtime, peer: MastodonPeer
) -> None:
    peer.max_characters = len("Short and sweet") + 3
    delivery = post_text(rt, peer, "Short and sweet")

    publish(rt, delivery)

    assert peer.requests_to("POST", STATUSES)[0].body["status"] == "Short and sweet"
    assert stored(rt, delivery).status == "published"


def test_an_instance_that_keeps_failing_is_retried_then_given_up(
    rt: Runtime, peer: MastodonPeer
) -> None:
    attempts = rt.settings.publish_attempts
    peer.fail_next(SERVICE_UNAVAILABLE, times=attempts, endpoint="create_status")
    delivery = post_text(rt, peer, "Is anyone there?")

    for attempt in range(1, attempts):
        with pytest.raises(TransientError):
            publish(rt, delivery)
        row = stored(rt, delivery)
        assert (row.status, row.attempts, row.error_kind) == ("queued", attempt, "transient")
        assert "503" in (row.last_error or "")
        assert row.replies == []
    publish(rt, delivery)  # the last attempt ends the delivery instead of raising

    row = stored(rt, delivery)
    assert (row.status, row.attempts, row.error_kind) == ("failed", attempts, "transient")
    keys = {r.headers["Idempotency-Key"] for r in peer.requests_to("POST", STATUSES)}
    assert len(peer.requests_to("POST", STATUSES)) == attempts
    assert len(keys) == 1  # every retry presents the same key
    assert row.replies == [
        (
            PHONE,
            "post_reply",
            f"Nothing posted. Mastodon @aroha@{peer.host}: Mastodon did not answer, we gave up.",
        )
    ]
    seen = len(peer.requests)
    publish(rt, delivery)
    assert len(peer.requests) == seen


def test_a_refused_token_fails_the_delivery_and_flags_the_account(
    rt: Runtime, peer: MastodonPeer
) -> None:
    delivery = post_text(rt, peer, "Am I still linked?", token="revoked-token")

    publish(rt, delivery)

    row = stored(rt, delivery)
    assert (row.status, row.attempts, row.error_kind) == ("failed", 1, "auth")
    assert account_status(rt) == "needs_relink"
    assert "needs linking again" in row.replies[0][2]
    assert peer.statuses == []


def test_text_too_long_for_the_instance_fails_without_posting(
    rt: Runtime, peer: MastodonPeer
) -> None:
    peer.max_characters = 10
    delivery = post_text(rt, peer, "This text is far too long for a tiny instance")

    publish(rt, delivery)

    row = stored(rt, delivery)
    assert (row.status, row.error_kind) == ("failed", "content")
    assert peer.requests_to("POST", STATUSES) == []
    assert "too long" in row.replies[0][2]
    assert account_status(rt) == "active"


def test_a_rate_limit_waits_until_the_reset_the_instance_gave(
    rt: Runtime, queue: Queue, peer: MastodonPeer
) -> None:
    """A 429 schedules the next try for the reset time; the sweeper does not jump the queue."""
    from datetime import timedelta

    from store.db import transaction
    from store.models import utcnow
    from tests.peers.mastodon import rate_limited
    from workers.sweeper import run_sweep

    delivery_id = post_text(rt, peer, "Busy day")
    peer.fail_next(rate_limited(120), endpoint="create_status")

    publish(rt, delivery_id)  # returns: the wait is scheduled, not raised

    with rt.sessions() as session:
        delivery = session.get_one(Delivery, delivery_id)
    assert (delivery.status, delivery.error_kind) == ("queued", "transient")
    assert delivery.retry_at is not None
    assert 100 < (delivery.retry_at - utcnow()).total_seconds() <= 121
    scheduled = queue.scheduled_job_registry.get_job_ids()
    assert scheduled == [f"publish_delivery-{delivery_id}-after-1"]
    with transaction(rt.sessions) as session:  # long past the sweep threshold, but not the reset
        session.get_one(Delivery, delivery_id).updated_at = utcnow() - timedelta(minutes=5)
    assert run_sweep(rt).deliveries == 0
