"""A worker killed in the middle of a post: nothing lost, nothing posted twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from store.models import Delivery, DeliveryPart
from tests.e2e.conftest import (
    kill_the_worker_midway,
    make_stack,
    post_replies,
    simulate,
)
from tests.factories import add_person
from tests.peers.mastodon import MastodonPeer
from tests.workers.texts_in.test_images import phone_photo
from workers.runtime import Runtime

pytestmark = pytest.mark.e2e

STATUSES = "/api/v1/statuses"
# At 50 characters a status, this text is a thread of three parts.
THREAD_LIMIT = 50
LONG = (
    "Day two opened with a panel on supervision. "
    "Practitioners spoke about caseloads, burnout and peer support."
)


def test_a_worker_killed_after_mastodon_took_the_post_finishes_it_once(
    env: dict[str, str], rt: Runtime, tmp_path: Path
) -> None:
    stack = make_stack(env, tmp_path)
    with MastodonPeer() as peer:
        link_mastodon(rt, peer)
        peer.stall_next_status(60)  # Mastodon creates it, the answer never reaches the worker
        kill_the_worker_midway(stack, rt, "Posted as the worker died", lambda: peer.statuses)

        posts = peer.requests_to("POST", STATUSES)
        statuses = list(peer.statuses)
        host = peer.host

    assert len(statuses) == 1
    assert len(posts) == 2  # the killed attempt and the retry, with one key between them
    assert posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"]
    with rt.sessions() as session:
        delivery = session.scalars(select(Delivery)).one()
    assert (delivery.status, delivery.remote_id) == ("published", statuses[0]["id"])
    assert post_replies(rt) == [f"Posted to Mastodon @aroha@{host}."]


def test_a_worker_killed_between_parts_of_a_thread_finishes_it_once(
    env: dict[str, str], rt: Runtime, tmp_path: Path
) -> None:
    stack = make_stack(env, tmp_path)
    with MastodonPeer(max_characters=THREAD_LIMIT) as peer:
        link_mastodon(rt, peer)
        # Part 1 is answered; Mastodon creates part 2 but its answer never reaches the worker.
        peer.stall_next_status(60, after=1)
        kill_the_worker_midway(stack, rt, LONG, lambda: len(peer.statuses) >= 2)

        posts = peer.requests_to("POST", STATUSES)
        statuses = list(peer.statuses)
        posted_texts = [peer.source(status["id"]) for status in statuses]
        host = peer.host

    with rt.sessions() as session:
        delivery = session.scalars(select(Delivery)).one()
        parts = session.scalars(
            select(DeliveryPart)
            .where(DeliveryPart.delivery_id == delivery.id)
            .order_by(DeliveryPart.position)
        ).all()
    planned = [part.text for part in parts]
    assert len(planned) == 3
    assert posted_texts == planned  # each part once, in order
    assert [s["in_reply_to_id"] for s in statuses] == [None, statuses[0]["id"], statuses[1]["id"]]
    # Part 1 was not sent again; part 2 was, replying to part 1, with its first key.
    assert [p.body["status"] for p in posts] == [planned[0], planned[1], planned[1], planned[2]]
    first_try, retry = posts[1], posts[2]
    assert retry.headers["Idempotency-Key"] == first_try.headers["Idempotency-Key"]
    assert retry.body["in_reply_to_id"] == first_try.body["in_reply_to_id"] == statuses[0]["id"]
    assert len({p.headers["Idempotency-Key"] for p in posts}) == 3
    assert [part.remote_id for part in parts] == [s["id"] for s in statuses]
    assert (delivery.status, delivery.remote_id) == ("published", statuses[0]["id"])
    assert post_replies(rt) == [f"Posted to Mastodon @aroha@{host}."]


def test_a_worker_killed_between_a_photos_upload_and_the_post_posts_it_once(
    env: dict[str, str], rt: Runtime, tmp_path: Path
) -> None:
    stack = make_stack(env, tmp_path)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(phone_photo())
    with MastodonPeer() as peer:
        link_mastodon(rt, peer)
        peer.stall_next_upload(60)  # Mastodon keeps the file; its answer never reaches the worker
        said: list[str] = []

        def photo_then_yes() -> None:
            said.append(simulate(stack, "--media", str(photo), "Our poster"))
            simulate(stack, "--wait", "1", "YES")

        kill_the_worker_midway(stack, rt, photo_then_yes, lambda: peer.media)
        (held,) = said
        statuses = list(peer.statuses)
        uploads = len(peer.media)
        host = peer.host

    assert "Not posted yet: photos can show faces" in held
    (status,) = statuses  # posted once
    assert [m["description"] for m in status["media_attachments"]] == ["Our poster"]
    # Uploaded again after the kill (by RQ's retry of the dead job, and perhaps by the
    # sweeper's too): the unused uploads are left at Mastodon; the status is one.
    assert uploads >= 2
    assert post_replies(rt) == [f"Posted to Mastodon @aroha@{host}."]


def link_mastodon(rt: Runtime, peer: MastodonPeer) -> None:
    """Add the person, with an account on the peer."""
    credentials = {"instance": peer.url, "access_token": peer.access_token}
    add_person(rt, accounts=[("mastodon", f"aroha@{peer.host}", credentials)])
