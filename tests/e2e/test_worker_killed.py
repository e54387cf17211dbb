"""A worker killed in the middle of a post: nothing lost, nothing posted twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.models import Delivery, OutboundMessage
from tests.conftest import wait_until
from tests.e2e.conftest import make_stack
from tests.factories import PHONE, add_person
from tests.peers.mastodon import MastodonPeer
from workers.runtime import Runtime

pytestmark = pytest.mark.e2e

# RQ notices a dead worker's job when its heartbeat lapses (about 90 s), and a
# new worker takes over the dead one's scheduler at its next maintenance (60 s).
RECOVERY_SECONDS = 300


def test_a_worker_killed_after_mastodon_took_the_post_finishes_it_once(
    env: dict[str, str], rt: Runtime, tmp_path: Path
) -> None:
    stack = make_stack(env, tmp_path)
    with MastodonPeer() as peer:
        credentials = {"instance": peer.url, "access_token": peer.access_token}
        add_person(rt, accounts=[("mastodon", f"aroha@{peer.host}", credentials)])
        peer.stall_next_status(60)  # Mastodon creates it, the answer never reaches the worker
        try:
            stack.start_web()
            stack.start_worker()
            assert stack.send(PHONE, "Posted as the worker died").status_code == 200
            wait_until(lambda: peer.statuses, timeout=30)

            stack.kill_worker()
            stack.start_worker("worker-2")
            wait_until(lambda: replies(rt), timeout=RECOVERY_SECONDS)
        except BaseException:
            print(stack.logs())
            raise
        finally:
            stack.stop()

        posts = peer.requests_to("POST", "/api/v1/statuses")
        statuses = list(peer.statuses)
        host = peer.host

    assert len(statuses) == 1
    assert len(posts) == 2  # the killed attempt and the retry, with one key between them
    assert posts[0].headers["Idempotency-Key"] == posts[1].headers["Idempotency-Key"]
    with rt.sessions() as session:
        delivery = session.scalars(select(Delivery)).one()
    assert (delivery.status, delivery.remote_id) == ("published", statuses[0]["id"])
    assert replies(rt) == [f"Posted to Mastodon @aroha@{host}."]


def replies(rt: Runtime) -> list[str]:
    """The bodies of the post replies queued so far."""
    with rt.sessions() as session:
        return list(
            session.scalars(
                select(OutboundMessage.body).where(OutboundMessage.kind == "post_reply")
            )
        )
