"""Threads: a long text goes out in parts, each replying to the last, resumed after a failure."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from sqlalchemy import select

from store.models import Delivery, DeliveryPart, OutboundMessage
from store.reports import recent_posts
from tests.factories import add_person, add_post
from tests.peers.facebook import FacebookPeer
from tests.peers.mastodon import SERVICE_UNAVAILABLE, MastodonPeer
from tests.peers.x import XApi
from workers.platforms.errors import TransientError
from workers.publishing.deliveries import publish
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
    add_post(rt, body, sid=SID)
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


X_KEYS = {
    "consumer_key": "ck",
    "consumer_secret": "cs",
    "access_token": "at",
    "access_token_secret": "ats",
}


@pytest.fixture
def x() -> Iterator[XApi]:
    """X's API for @aroha_nz, at the transport."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield XApi(mock)


def x_delivery(rt: Runtime, body: str, sid: str = SID) -> int:
    """Link a person to X, handle their text; return the X delivery."""
    if sid == SID:
        add_person(rt, accounts=[("x", "aroha_nz", X_KEYS)])
    add_post(rt, body, sid=sid)
    with rt.sessions() as session:
        return session.scalars(select(Delivery.id).order_by(Delivery.id.desc())).first() or 0


def replies_sent(rt: Runtime) -> list[str]:
    """Every text the gateway queued for the person."""
    with rt.sessions() as session:
        return list(session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.id)))


def test_a_tweet_whose_answer_was_lost_is_found_not_posted_again(rt: Runtime, x: XApi) -> None:
    delivery_id = x_delivery(rt, "Kia ora from the symposium & its tea https://example.org/p?q=1")
    x.lose_answer()

    with pytest.raises(TransientError):
        publish(rt, delivery_id)
    publish(rt, delivery_id)

    assert len(x.created) == 1 and len(x.tweets) == 1
    assert x.timeline_reads == 1
    with rt.sessions() as session:
        delivery = session.get_one(Delivery, delivery_id)
        assert (delivery.status, delivery.remote_id) == ("published", x.tweets[0]["id"])
    assert replies_sent(rt) == ["Posted to X @aroha_nz."]


def test_xs_duplicate_refusal_is_success_for_a_part_tried_before(rt: Runtime, x: XApi) -> None:
    delivery_id = x_delivery(rt, "Kia ora from the symposium")
    x.lose_answer()
    x.hide_new_tweets(reads=1)  # the lookup before the retry does not see it yet

    with pytest.raises(TransientError):
        publish(rt, delivery_id)
    publish(rt, delivery_id)

    assert len(x.created) == 2  # tried again, and X refused it as a duplicate
    assert len(x.tweets) == 1
    with rt.sessions() as session:
        delivery = session.get_one(Delivery, delivery_id)
        assert (delivery.status, delivery.remote_id) == ("published", x.tweets[0]["id"])
    assert replies_sent(rt) == ["Posted to X @aroha_nz."]


def test_a_duplicate_that_x_does_not_show_yet_is_tried_again_later(rt: Runtime, x: XApi) -> None:
    delivery_id = x_delivery(rt, "Kia ora from the symposium")
    x.lose_answer()
    x.hide_new_tweets(reads=2)

    with pytest.raises(TransientError):
        publish(rt, delivery_id)
    with pytest.raises(TransientError, match="not shown yet"):
        publish(rt, delivery_id)
    publish(rt, delivery_id)

    assert len(x.tweets) == 1
    with rt.sessions() as session:
        assert session.get_one(Delivery, delivery_id).remote_id == x.tweets[0]["id"]


def test_the_same_text_twice_from_a_person_is_refused_by_x_in_plain_words(
    rt: Runtime, x: XApi
) -> None:
    first = x_delivery(rt, "Same words twice")
    publish(rt, first)
    second = x_delivery(rt, "Same words twice", sid="SM" + "8" * 32)

    publish(rt, second)

    assert len(x.tweets) == 1
    assert x.timeline_reads == 0  # never tried before, so nothing was looked for
    with rt.sessions() as session:
        delivery = session.get_one(Delivery, second)
        assert (delivery.status, delivery.error_kind) == ("failed", "content")
    assert replies_sent(rt)[-1] == (
        "Nothing posted. X @aroha_nz: you posted the same text there recently."
    )


def test_a_lost_answer_mid_thread_on_x_resumes_under_the_right_tweet(rt: Runtime, x: XApi) -> None:
    delivery_id = x_delivery(rt, LONG * 2)
    x.lose_answer(nth=2)

    with pytest.raises(TransientError):
        publish(rt, delivery_id)
    publish(rt, delivery_id)

    with rt.sessions() as session:
        remote_ids = session.scalars(
            select(DeliveryPart.remote_id)
            .where(DeliveryPart.delivery_id == delivery_id)
            .order_by(DeliveryPart.position)
        ).all()
    assert len(remote_ids) >= 3
    assert list(remote_ids) == [t["id"] for t in x.tweets]  # every part once, in order
    assert len(x.created) == len(x.tweets)  # the lost part was found, not sent again
    for before, tweet in zip(x.tweets, x.tweets[1:], strict=False):
        assert tweet["referenced_tweets"] == [{"type": "replied_to", "id": before["id"]}]


@pytest.fixture
def facebook() -> Iterator[FacebookPeer]:
    """The Graph API for one Page."""
    with FacebookPeer() as running:
        yield running


def facebook_delivery(rt: Runtime, peer: FacebookPeer, body: str) -> int:
    """Link a person to the Page, handle their text; return the delivery."""
    credentials = {
        "page_id": peer.page_id,
        "access_token": peer.access_token,
        "api_base": peer.url,
    }
    add_person(rt, accounts=[("facebook", "Kai Community Garden", credentials)])
    add_post(rt, body, sid=SID)
    with rt.sessions() as session:
        return session.scalars(select(Delivery.id)).one()


def test_a_page_post_whose_answer_was_lost_is_found_not_posted_again(
    rt: Runtime, facebook: FacebookPeer
) -> None:
    delivery_id = facebook_delivery(rt, facebook, "Kia ora from the garden hui")
    facebook.lose_answer()

    with pytest.raises(TransientError):
        publish(rt, delivery_id)
    publish(rt, delivery_id)

    assert [p["message"] for p in facebook.posts] == ["Kia ora from the garden hui"]
    assert len(facebook.requests_to("GET", f"/v21.0/{facebook.page_id}/posts")) == 1
    with rt.sessions() as session:
        delivery = session.get_one(Delivery, delivery_id)
    assert (delivery.status, delivery.remote_id) == ("published", facebook.posts[0]["id"])


def test_a_page_comment_whose_answer_was_lost_is_found_not_posted_again(
    rt: Runtime, facebook: FacebookPeer
) -> None:
    # Facebook's limit is high: a text only threads here when it is very long.
    delivery_id = facebook_delivery(rt, facebook, ("Words about the hui. " * 3200).strip())
    facebook.lose_answer(nth=2)  # the second part, the first comment

    with pytest.raises(TransientError):
        publish(rt, delivery_id)
    publish(rt, delivery_id)

    assert len(facebook.posts) == 1
    assert len(facebook.comments) >= 1
    first_comment = facebook.comments[0]["message"]
    assert sum(c["message"] == first_comment for c in facebook.comments) == 1
    assert len(facebook.requests_to("GET", f"/v21.0/{facebook.posts[0]['id']}/comments")) == 1
    with rt.sessions() as session:
        parts = session.scalars(
            select(DeliveryPart).where(DeliveryPart.delivery_id == delivery_id)
        ).all()
    assert [p.remote_id for p in parts] == [
        facebook.posts[0]["id"],
        *[c["id"] for c in facebook.comments],
    ]
