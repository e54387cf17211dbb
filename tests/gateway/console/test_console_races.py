"""Admins clicking the same button at once: one drop, one retry (on PostgreSQL in CI too)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy import select

from store.models import AuditEntry
from tests.gateway.console.conftest import SignIn, sign_in, token
from tests.gateway.console.test_held_pages import hold_a_post
from tests.gateway.console.test_operations import fail_a_delivery
from workers.runtime import Runtime

CLICKS = 4


def click_at_once(app: Flask, admin: SignIn, page: str, action: str) -> list[int]:
    """Sign CLICKS browsers in, then post the same form from all of them at one moment."""
    browsers: list[tuple[FlaskClient, str]] = []
    for _ in range(CLICKS):
        browser = app.test_client()
        sign_in(browser, admin)
        browsers.append((browser, token(browser.get(page))))
    together = threading.Barrier(CLICKS)

    def click(pair: tuple[FlaskClient, str]) -> int:
        browser, csrf = pair
        together.wait(timeout=30)
        return browser.post(action, data={"csrf_token": csrf}).status_code

    with ThreadPoolExecutor(max_workers=CLICKS) as pool:
        return list(pool.map(click, browsers))


def audited(rt: Runtime, action: str) -> int:
    """How many times the audit log has this action."""
    with rt.sessions() as session:
        return len(session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all())


def test_one_held_post_dropped_at_once_by_several_admins_is_dropped_and_told_once(
    app: Flask, admin: SignIn, rt: Runtime, queue: Queue
) -> None:
    held = hold_a_post(rt)

    statuses = click_at_once(app, admin, "/console/held/", f"/console/held/{held}/drop")

    assert statuses == [302] * CLICKS
    assert audited(rt, "held post dropped") == 1
    texts = [job for job in queue.job_ids if job.startswith("text_person-")]
    assert len(texts) == 1 and texts[0].startswith("text_person-held_dropped-")


def test_one_failed_delivery_retried_at_once_is_queued_once(
    app: Flask, admin: SignIn, rt: Runtime, queue: Queue
) -> None:
    delivery = fail_a_delivery(rt)
    queue.empty()

    statuses = click_at_once(
        app, admin, "/console/operations/", f"/console/operations/deliveries/{delivery}/retry"
    )

    assert statuses == [302] * CLICKS
    assert audited(rt, "delivery retried") == 1
    assert queue.job_ids == [f"publish_delivery-{delivery}"]
