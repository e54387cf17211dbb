"""GET /metrics: only for the scraper, and what it shows after real work."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from rq import Queue
from rq.utils import utcformat
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from config import PRODUCTION, Settings, load_settings
from gateway import create_app
from gateway.services import services
from store.db import transaction
from store.models import Account, utcnow
from tests.conftest import AUTH_TOKEN, free_port
from tests.factories import PHONE, add_event, add_inbound, add_person, add_post
from tests.peers.twilio import ACCOUNT_SID, INVALID_TO, LocalTwilioHttpClient, TwilioPeer
from workers.platforms.errors import AuthError
from workers.publishing.deliveries import end_delivery
from workers.runtime import Runtime, build_runtime
from workers.texts_in.inbound import process_inbound
from workers.texts_out.sms import deliver_outbound
from workers.texts_out.sms_senders import TwilioSender
from workers.texts_out.texts import queue_text

TOKEN = "scrape-token-0123456789abcdef"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def guarded(settings: Settings, clean_state: None) -> Iterator[FlaskClient]:
    """A test client of an app whose /metrics wants TOKEN."""
    app = create_app(replace(settings, metrics_token=TOKEN))
    yield app.test_client()
    services(app).close()


def scrape(client: FlaskClient, token: str = "") -> Samples:
    """Scrape /metrics as Prometheus does; return every sample by name and labels."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 where the scrape had no such sample."""
    return samples.get((name, frozenset(labels.items())), 0.0)


# Who may scrape


def test_with_a_token_a_scrape_must_bring_it_as_a_bearer_token(guarded: FlaskClient) -> None:
    wrong = [
        {},
        {"Authorization": "Bearer not-the-token"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ]

    assert [guarded.get("/metrics", headers=headers).status_code for headers in wrong] == [403] * 4
    # Never in the address: a URL ends up in logs and browser histories.
    assert guarded.get(f"/metrics?token={TOKEN}").status_code == 403
    assert guarded.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert guarded.get("/metrics", headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


def test_the_token_is_read_from_metrics_token(env: dict[str, str], clean_state: None) -> None:
    app = create_app(load_settings({**env, "METRICS_TOKEN": f" {TOKEN} "}))
    client = app.test_client()

    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    services(app).close()


def test_without_a_token_development_answers_this_machine_only(client: FlaskClient) -> None:
    elsewhere = {"REMOTE_ADDR": "192.0.2.7"}

    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics", environ_base=elsewhere).status_code == 403


def test_without_a_token_production_has_no_metrics(settings: Settings, clean_state: None) -> None:
    app = create_app(replace(settings, env=PRODUCTION))

    assert app.test_client().get("/metrics").status_code == 404
    services(app).close()


# What it shows


def test_a_text_made_into_a_post_shows_in_the_state(
    guarded: FlaskClient, rt: Runtime, settings: Settings
) -> None:
    person = add_person(rt)
    add_event(rt, attendees=(person,))
    before = utcnow()

    process_inbound(rt, add_inbound(rt, "Great keynote on practice"))

    samples = scrape(guarded, TOKEN)
    assert value(samples, "smsbridge_texts_in", status="handled") == 1
    assert value(samples, "smsbridge_posts_total") == 1
    assert (
        value(samples, "smsbridge_deliveries", platform="local", status="published", error_kind="")
        == 1
    )
    assert value(samples, "smsbridge_texts_out", status="outbox", kind="post_reply") == 1
    assert value(samples, "smsbridge_accounts", platform="local", status="active") == 1
    assert value(samples, "smsbridge_events_running") == 1
    last = value(samples, "smsbridge_last_text_in_timestamp_seconds")
    assert before.timestamp() - 1 <= last <= utcnow().timestamp()
    assert value(samples, "smsbridge_state_read_ok", source="database") == 1
    assert value(samples, "smsbridge_state_read_ok", source="redis") == 1


def test_a_signed_webhook_is_counted_by_its_answer(
    client: FlaskClient, settings: Settings, rt: Runtime
) -> None:
    form = {
        "MessageSid": "SM" + "b" * 32,
        "AccountSid": settings.webhook_account_sid,
        "From": PHONE,
        "To": "+15005550006",
        "Body": "Great keynote",
    }
    url = settings.public_url + "/sms/inbound"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    before = scrape(client)

    answers = [
        client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": given}).status_code
        for given in (signature, "forged")
    ]

    assert answers == [200, 403]
    after = scrape(client)
    for code in ("200", "403"):
        counted = "smsbridge_webhooks_total", frozenset({("webhook", "inbound"), ("code", code)})
        assert after[counted] == before.get(counted, 0) + 1
    assert value(after, "smsbridge_texts_in", status="received") == 1


def test_a_delivery_that_fails_counts_its_platform_error_and_the_account_to_relink(
    client: FlaskClient, rt: Runtime
) -> None:
    add_person(rt)
    [delivery_id] = add_post(rt, "Great keynote")
    counted = (
        "smsbridge_platform_errors_total",
        frozenset({("platform", "local"), ("kind", "auth")}),
    )
    before = scrape(client).get(counted, 0)

    end_delivery(rt, delivery_id, error=AuthError("local", "the token was revoked"))

    samples = scrape(client)
    assert samples[counted] == before + 1
    assert value(samples, "smsbridge_accounts", platform="local", status="needs_relink") == 1
    assert (
        value(samples, "smsbridge_deliveries", platform="local", status="failed", error_kind="auth")
        == 1
    )


def test_a_text_twilio_refuses_counts_its_error_code(
    client: FlaskClient, settings: Settings, rt: Runtime
) -> None:
    counted = "smsbridge_twilio_errors_total", frozenset({("code", "21211")})
    before = scrape(client).get(counted, 0)
    with TwilioPeer(ACCOUNT_SID, settings.twilio_auth_token) as peer:
        http_client = LocalTwilioHttpClient(peer.url)
        sender = TwilioSender(
            Client(ACCOUNT_SID, settings.twilio_auth_token, http_client=http_client),
            from_="+15005550006",
        )
        twilio_rt = build_runtime(settings, sms=sender)
        peer.fail_next(INVALID_TO)
        with transaction(twilio_rt.sessions) as session:
            outbound_id = queue_text(session, PHONE, "Posted to 1 account.", kind="reply").id

        deliver_outbound(twilio_rt, outbound_id)

        twilio_rt.close()
        http_client.close()
    assert scrape(client)[counted] == before + 1


def test_tokens_expiring_show_per_platform_in_days(client: FlaskClient, rt: Runtime) -> None:
    add_person(rt, accounts=[("linkedin", "aroha", {}), ("linkedin", "aroha_work", {})])
    now = utcnow()
    with transaction(rt.sessions) as session:
        first, second = session.scalars(select(Account).order_by(Account.handle)).all()
        first.token_expires_at = now + timedelta(days=3)
        second.token_expires_at = now + timedelta(days=1)
        second.status = "needs_relink"  # linked again before it matters: not counted

    samples = scrape(client)

    days = value(samples, "smsbridge_token_expires_in_days", platform="linkedin")
    assert days == pytest.approx(3, abs=0.01)
    assert value(samples, "smsbridge_accounts", platform="linkedin", status="needs_relink") == 1


def test_the_queue_shows_its_depth_and_its_oldest_jobs_age(
    client: FlaskClient, queue: Queue
) -> None:
    assert value(scrape(client), "smsbridge_queue_oldest_job_age_seconds") == 0
    job = queue.enqueue("os.getpid")
    queue.enqueue("os.getpid")
    queue.connection.hset(job.key, "enqueued_at", utcformat(utcnow() - timedelta(minutes=10)))

    samples = scrape(client)

    assert value(samples, "smsbridge_queue_jobs", state="queued") == 2
    assert value(samples, "smsbridge_queue_jobs", state="failed") == 0
    assert value(samples, "smsbridge_queue_oldest_job_age_seconds") == pytest.approx(600, abs=5)


def test_with_redis_down_the_scrape_still_answers_with_the_database(
    settings: Settings, clean_state: None
) -> None:
    app = create_app(replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0"))

    samples = scrape(app.test_client())

    assert value(samples, "smsbridge_state_read_ok", source="redis") == 0
    assert value(samples, "smsbridge_state_read_ok", source="database") == 1
    assert not [name for name, _ in samples if name.startswith("smsbridge_queue_")]
    services(app).close()


def test_with_the_database_down_the_scrape_still_answers_with_redis(
    settings: Settings, clean_state: None
) -> None:
    # Nothing listens on port 1: every connection is refused at once.
    app = create_app(replace(settings, database_url="postgresql://nobody@127.0.0.1:1/none"))

    samples = scrape(app.test_client())

    assert value(samples, "smsbridge_state_read_ok", source="database") == 0
    assert value(samples, "smsbridge_state_read_ok", source="redis") == 1
    assert ("smsbridge_queue_jobs", frozenset({("state", "queued")})) in samples
    services(app).close()


def test_a_scraper_that_asks_for_openmetrics_gets_it(client: FlaskClient, rt: Runtime) -> None:
    add_person(rt)
    add_post(rt, "Great keynote")

    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text"})

    assert response.status_code == 200
    assert response.mimetype == "application/openmetrics-text"
    text = response.get_data(as_text=True)
    assert "smsbridge_posts_total 1.0\n" in text
    assert text.endswith("# EOF\n")
