"""Admin: failed deliveries (and their retry), texts out, the queue, and rq-dashboard."""

from __future__ import annotations

from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy import select, update

from store.db import transaction
from store.models import Account, Delivery, OutboundMessage, TimelineEntry
from store.queueing import enqueue_inbound
from tests.conftest import run_jobs
from tests.factories import add_person, add_post
from tests.gateway.console.conftest import SignIn, post_form, sign_in
from workers.publishing.deliveries import publish
from workers.runtime import Runtime


def fail_a_delivery(rt: Runtime) -> int:
    """A person's post whose one delivery failed because the account was switched off."""
    add_person(rt, name="Rangi")
    (delivery,) = add_post(rt, "A post that will fail")
    with transaction(rt.sessions) as session:
        session.execute(update(Account).values(status="disabled"))
    publish(rt, delivery)
    return delivery


def test_a_failed_delivery_is_shown_with_its_reason_and_retried_once(
    client: FlaskClient, admin: SignIn, rt: Runtime, queue: Queue
) -> None:
    delivery = fail_a_delivery(rt)
    with transaction(rt.sessions) as session:
        session.execute(update(Account).values(status="active"))  # the admin mended it
    sign_in(client, admin)

    page = client.get("/console/operations/").get_data(as_text=True)
    retried = post_form(
        client, "/console/operations/", f"/console/operations/deliveries/{delivery}/retry"
    )
    again = post_form(
        client, "/console/operations/", f"/console/operations/deliveries/{delivery}/retry"
    )
    run_jobs(queue)

    assert "Rangi" in page and "the account needs linking again: account is not active" in page
    assert retried.status_code == again.status_code == 302
    with rt.sessions() as session:
        assert session.get_one(Delivery, delivery).status == "published"
        assert len(session.scalars(select(TimelineEntry)).all()) == 1
        replies = session.scalars(select(OutboundMessage.body).order_by(OutboundMessage.id)).all()
    assert replies[-1] == "Posted to Local timeline @aroha."
    assert "not failed any more" in client.get("/console/operations/").get_data(as_text=True)


def test_the_queue_and_texts_out_are_shown(client: FlaskClient, admin: SignIn, rt: Runtime) -> None:
    fail_a_delivery(rt)
    sign_in(client, admin)

    page = client.get("/console/operations/?status=outbox").get_data(as_text=True)

    assert "0 jobs waiting" in page
    assert "0</strong> workers alive" in page and "start the worker" in page
    assert "where a post went" in page and "outbox" in page


def test_rq_dashboard_is_for_admins_only(
    queue: Queue,
    client: FlaskClient,
    admin: SignIn,
    organiser: SignIn,
    app_client_pair: tuple[FlaskClient, FlaskClient],
) -> None:
    signed_out = client.get("/console/rq/")
    theirs = app_client_pair[1]
    sign_in(theirs, organiser)
    sign_in(client, admin)

    assert signed_out.status_code == 302
    assert theirs.get("/console/rq/").status_code == 403
    dashboard = client.get("/console/rq/")
    assert dashboard.status_code == 200
    assert "unsafe-inline" in dashboard.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in client.get("/console/").headers["Content-Security-Policy"]
    enqueue_inbound(queue, 1)  # so the queue exists in Redis
    queues = client.get("/console/rq/0/data/queues.json")
    assert queues.status_code == 200 and "smsbridge" in queues.get_data(as_text=True)
