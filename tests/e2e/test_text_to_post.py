"""A text from a basic phone becomes a post and a reply, through the real processes."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.models import Delivery, InboundMessage, OutboundMessage, Post, TimelineEntry
from tests.conftest import BIN, RedisServer, wait_until
from tests.e2e.conftest import Stack, make_stack
from tests.factories import PHONE, add_event, add_person
from workers.runtime import Runtime

pytestmark = pytest.mark.e2e


def count(rt: Runtime, model: type) -> int:
    with rt.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def replies(rt: Runtime) -> list[str]:
    with rt.sessions() as session:
        return list(
            session.scalars(
                select(OutboundMessage.body).where(OutboundMessage.kind == "post_reply")
            )
        )


def test_simulate_posts_to_the_timeline_and_replies(stack: Stack, rt: Runtime) -> None:
    person = add_person(rt)
    add_event(rt, attendees=(person,))

    result = subprocess.run(
        [str(BIN / "smsbridge"), "simulate", "--from", PHONE, "Great keynote on practice"],
        env={**os.environ, **stack.env},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr + stack.logs()
    assert "Post: Great keynote on practice #swrb13" in result.stdout
    assert "Reply to +64211234567: Posted to Local timeline @aroha." in result.stdout
    page = subprocess.run(
        ["curl", "-s", f"{stack.url}/timeline"], capture_output=True, text=True, timeout=10
    ).stdout
    assert "Great keynote on practice #swrb13" in page
    assert "@aroha" in page


def test_a_forged_webhook_changes_nothing(stack: Stack, rt: Runtime) -> None:
    import requests

    add_person(rt)
    response = requests.post(
        f"{stack.url}/sms/inbound",
        timeout=5,
        data={"MessageSid": "SM" + "f" * 32, "From": PHONE, "To": "+15005550006", "Body": "forged"},
        headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
    )

    assert response.status_code == 403
    assert count(rt, InboundMessage) == 0
    assert rt.queue.count == 0


def test_the_same_message_sid_again_and_at_once_makes_one_post_and_one_reply(
    stack: Stack, rt: Runtime
) -> None:
    add_person(rt, accounts=[("local", "aroha", {}), ("local", "aroha_work", {})])
    sid = "SM" + "1" * 32

    sequential = [stack.send(PHONE, "Said once", sid=sid).status_code for _ in range(3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        concurrent = list(
            pool.map(lambda _: stack.send(PHONE, "Said once", sid=sid).status_code, range(3))
        )

    assert sequential + concurrent == [200] * 6
    wait_until(lambda: replies(rt), timeout=20)
    assert count(rt, InboundMessage) == 1
    assert count(rt, Post) == 1
    assert count(rt, TimelineEntry) == 2  # one per account
    with rt.sessions() as session:
        statuses = session.scalars(select(Delivery.status)).all()
    assert sorted(statuses) == ["published", "published"]
    assert replies(rt) == ["Posted to Local timeline @aroha and Local timeline @aroha_work."]


def test_a_text_that_arrives_while_redis_is_down_is_posted_when_it_is_back(
    env: dict[str, str], rt: Runtime, tmp_path: Path
) -> None:
    redis = RedisServer(tmp_path / "own-redis")
    redis.start()
    stack = make_stack({**env, "REDIS_URL": redis.url}, tmp_path)
    add_person(rt)
    try:
        stack.start_web()
        stack.start_worker()
        redis.stop()

        response = stack.send(PHONE, "Sent while the queue was down")

        assert response.status_code == 200
        with rt.sessions() as session:
            stored = session.scalars(select(InboundMessage)).one()
        assert (stored.status, stored.enqueued_at) == ("received", None)

        redis.start()  # same port, empty: the job that never was must come from the sweeper
        wait_until(lambda: replies(rt), timeout=60)
        assert count(rt, TimelineEntry) == 1
        assert replies(rt) == ["Posted to Local timeline @aroha."]
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.stop()
        redis.stop()
