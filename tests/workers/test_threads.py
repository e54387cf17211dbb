"""Threads: a long text goes out in parts, each replying to the last, resumed after a failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from gateway.models import Delivery, DeliveryPart, OutboundMessage
from gateway.reports import recent_posts
from tests.factories import add_inbound, add_person
from tests.peers.mastodon import SERVICE_UNAVAILABLE, MastodonPeer
from workers.inbound import process_inbound
from workers.platforms.errors import TransientError
from workers.publishing import publish
from workers.runtime import Runtime

SID = "SM" + "7" * 32
LONG = (
    "Day two of the symposium opened with a panel on supervision. "
    "Practitioners spoke about caseloads, burnout and the value of peer support. "
    "The closing keynote asked how we measure what matters to whanau."
)


@pytest.fixture
def peer() -> Iterator[MastodonPeer]:
    """A Mastodon instance whose posts hold at most 80 characters."""
    with MastodonPeer(max_characters=80) as running:
        yield running


def delivery_for(rt: Runtime, peer: MastodonPeer, body: str) -> tuple[int, str]:
    """Link a person to the peer, handle their text; return the delivery and its key prefix."""
    credentials = {"instance": peer.url, "access_token": peer.access_token}
    add_person(rt, accounts=[("mastodon", f"aroha@{peer.host}", credentials)])
    process_inbound(rt, add_inbound(rt, body, sid=SID))
    with rt.sessions() as session:
        delivery = session.scalars(select(Delivery)).one()
        return delivery.id, f"{SID}-{delivery.account_id}"


def test_a_long_text_becomes_a_thread_in_order(rt: Runtime, peer: MastodonPeer) -> None:
    delivery_id, key = delivery_for(rt, peer, LONG)

    publish(rt, delivery_id)

    posts = peer.requests_to("POST", "/api/v1/statuses")
    statuses = peer.statuses
    assert len(posts) == len(statuses) >= 3
    assert [p.headers["Idempotency-Key"] for p in posts] == [
        f"{key}-{n}" for n in range(1, len(posts) + 1)
    ]
    assert "in_reply_to_id" not in posts[0].body
    for before, request in zip(statuses, posts[1:], strict=False):
        assert request.body["in_reply_to_id"] == before["id"]
    assert " ".join(p.body["status"].rsplit(" ", 1)[0] for p in posts).split() == LONG.split()
    with rt.sessions() as session:
        delivery = session.get_one(Delivery, delivery_id)
        assert (delivery.status, delivery.remote_id) == ("published", statuses[0]["id"])
        replies = session.scalars(select(OutboundMessage.body)).all()
    assert replies == [f"Posted to Mastodon @aroha@{peer.host}."]
    with rt.sessions() as session:
        [listed] = recent_posts(session)
    assert [p["remote_id"] for p in listed["deliveries"][0]["parts"]] == [s["id"] for s in statuses]


def test_a_failure_between_parts_resumes_without_repeating_a_part(
    rt: Runtime, peer: MastodonPeer
) -> None:
    delivery_id, key = delivery_for(rt, peer, LONG)
    peer.fail_next(SERVICE_UNAVAILABLE, endpoint="create_status", after=1)

    with pytest.raises(TransientError):
        publish(rt, delivery_id)
    with rt.sessions() as session:
        parts = session.scalars(
            select(DeliveryPart).where(DeliveryPart.delivery_id == delivery_id)
        ).all()
        posted_first = [p.remote_id is not None for p in parts]
    publish(rt, delivery_id)

    assert posted_first[0] and not any(posted_first[1:])
    keys = [p.headers["Idempotency-Key"] for p in peer.requests_to("POST", "/api/v1/statuses")]
    assert keys.count(f"{key}-1") == 1  # the first part was not sent again
    assert keys.count(f"{key}-2") == 2  # the failed part was tried again
    assert len(peer.statuses) == len(parts)
    assert peer.statuses[1]["in_reply_to_id"] == peer.statuses[0]["id"]
