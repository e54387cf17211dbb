"""deliver_outbound, send_now: a pending text goes to Twilio (a local one) or the outbox, once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from config import Settings
from gateway import create_app
from gateway.services import services
from store.db import transaction
from store.models import OutboundMessage
from store.opt_outs import opt_in, opt_out
from tests.factories import PHONE
from tests.peers.twilio import (
    ACCOUNT_SID,
    SERVICE_UNAVAILABLE,
    TOO_MANY_REQUESTS,
    UNSUBSCRIBED,
    LocalTwilioHttpClient,
    TwilioPeer,
)
from workers.runtime import Runtime, build_runtime
from workers.texts_out.sms import deliver_outbound, send_now
from workers.texts_out.sms_senders import OutboxSender, SmsResult, SmsSendError, TwilioSender
from workers.texts_out.texts import queue_text

FROM = "+15005550006"


@pytest.fixture
def peer(settings: Settings) -> Iterator[TwilioPeer]:
    """A local Twilio that knows this installation's auth token."""
    with TwilioPeer(ACCOUNT_SID, settings.twilio_auth_token) as running:
        yield running


@pytest.fixture
def twilio_rt(settings: Settings, clean_state: None, peer: TwilioPeer) -> Iterator[Runtime]:
    """A worker runtime whose texts go through the real twilio SDK to the peer."""
    http_client = LocalTwilioHttpClient(peer.url)
    client = Client(ACCOUNT_SID, settings.twilio_auth_token, http_client=http_client)
    sender = TwilioSender(client, from_=FROM, status_callback=settings.public_url + "/sms/status")
    runtime = build_runtime(settings, sms=sender)
    yield runtime
    runtime.close()
    http_client.close()


def queue(rt: Runtime, body: str = "Posted to 1 account.") -> int:
    """Queue a reply text as the jobs do; return its id."""
    with transaction(rt.sessions) as session:
        return queue_text(session, PHONE, body, kind="reply").id


def row(rt: Runtime, outbound_id: int) -> OutboundMessage:
    """The outbound row as stored now."""
    with rt.sessions() as session:
        return session.get_one(OutboundMessage, outbound_id)


def test_a_pending_text_is_sent_once_and_keeps_twilios_sid(
    twilio_rt: Runtime, peer: TwilioPeer, settings: Settings
) -> None:
    """The text goes to Twilio once, is 'queued' with Twilio's sid, and a repeat sends nothing."""
    outbound_id = queue(twilio_rt)

    deliver_outbound(twilio_rt, outbound_id)
    deliver_outbound(twilio_rt, outbound_id)

    [request] = peer.requests
    assert request.form == {
        "To": PHONE,
        "From": FROM,
        "Body": "Posted to 1 account.",
        "StatusCallback": f"{settings.public_url}/sms/status?ref={outbound_id}",
    }
    sent = row(twilio_rt, outbound_id)
    assert (sent.status, sent.twilio_sid, sent.error_code) == (
        "queued",
        peer.messages[0]["sid"],
        None,
    )


def test_an_opted_out_number_fails_the_text_without_raising(
    twilio_rt: Runtime, peer: TwilioPeer
) -> None:
    """Twilio's 21610 marks the text 'failed' with that code; it is not tried again."""
    peer.fail_next(UNSUBSCRIBED)
    outbound_id = queue(twilio_rt)

    deliver_outbound(twilio_rt, outbound_id)
    deliver_outbound(twilio_rt, outbound_id)

    failed = row(twilio_rt, outbound_id)
    assert (failed.status, failed.error_code, failed.twilio_sid) == ("failed", "21610", None)
    assert len(peer.requests) == 1
    # The number is opted out from then on: the next text is kept, not sent.
    later = queue(twilio_rt, "Someone replied to your post.")
    deliver_outbound(twilio_rt, later)
    assert row(twilio_rt, later).status == "opted_out"
    assert len(peer.requests) == 1


def test_a_number_that_opts_out_after_a_text_was_queued_is_not_sent_it(
    twilio_rt: Runtime, peer: TwilioPeer
) -> None:
    outbound_id = queue(twilio_rt)
    with transaction(twilio_rt.sessions) as session:
        opt_out(session, PHONE, "STOP")

    deliver_outbound(twilio_rt, outbound_id)

    assert row(twilio_rt, outbound_id).status == "opted_out"
    assert peer.requests == []


def test_a_number_that_opts_back_in_is_sent_texts_again(
    twilio_rt: Runtime, peer: TwilioPeer
) -> None:
    with transaction(twilio_rt.sessions) as session:
        opt_out(session, PHONE, "STOP")
        opt_out(session, PHONE, "QUIT")  # a second STOP word changes nothing
    with transaction(twilio_rt.sessions) as session:
        assert opt_in(session, PHONE) is True
        assert opt_in(session, PHONE) is False
    outbound_id = queue(twilio_rt)

    deliver_outbound(twilio_rt, outbound_id)

    assert row(twilio_rt, outbound_id).status == "queued"
    assert len(peer.requests) == 1


def test_an_unavailable_twilio_leaves_the_text_pending_for_a_retry(
    twilio_rt: Runtime, peer: TwilioPeer
) -> None:
    """A 503 raises and puts the text back to 'pending'; the retry sends it once."""
    peer.fail_next(SERVICE_UNAVAILABLE)
    outbound_id = queue(twilio_rt)

    with pytest.raises(SmsSendError) as raised:
        deliver_outbound(twilio_rt, outbound_id)
    waiting = row(twilio_rt, outbound_id)
    deliver_outbound(twilio_rt, outbound_id)
    deliver_outbound(twilio_rt, outbound_id)

    assert raised.value.transient
    assert (waiting.status, waiting.twilio_sid) == ("pending", None)
    assert len(peer.requests) == 2
    assert len(peer.messages) == 1
    sent = row(twilio_rt, outbound_id)
    assert (sent.status, sent.twilio_sid, sent.error_code) == (
        "queued",
        peer.messages[0]["sid"],
        None,
    )


def test_an_unreachable_twilio_leaves_the_text_pending(
    twilio_rt: Runtime, peer: TwilioPeer
) -> None:
    """A refused connection raises and leaves the text 'pending' with no error code."""
    outbound_id = queue(twilio_rt)
    peer.stop()

    with pytest.raises(SmsSendError):
        deliver_outbound(twilio_rt, outbound_id)

    waiting = row(twilio_rt, outbound_id)
    assert (waiting.status, waiting.error_code) == ("pending", None)


def test_without_a_twilio_account_the_text_stays_in_the_outbox(rt: Runtime) -> None:
    """The default runtime keeps texts in the outbox: status 'outbox', no sid."""
    outbound_id = queue(rt)

    deliver_outbound(rt, outbound_id)

    assert isinstance(rt.sms, OutboxSender)
    kept = row(rt, outbound_id)
    assert (kept.status, kept.twilio_sid) == ("outbox", None)


class CallbackFirstSender:
    """Twilio as it may behave: the status callback lands before the create call returns."""

    def __init__(self, client: FlaskClient, settings: Settings) -> None:
        self._client = client
        self._settings = settings

    def send(self, to: str, body: str, reference: str = "") -> SmsResult:
        """Deliver a signed 'sent' callback for the message, then answer 'queued'."""
        path = f"/sms/status?ref={reference}"
        form = {"MessageSid": "SM" + "c" * 32, "MessageStatus": "sent"}
        signature = RequestValidator(self._settings.twilio_auth_token).compute_signature(
            self._settings.public_url + path, form
        )
        response = self._client.post(path, data=form, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 204
        return SmsResult(status="queued", sid=form["MessageSid"])


def test_a_callback_that_beats_the_send_record_is_kept(
    settings: Settings, clean_state: None
) -> None:
    """A 'sent' callback that arrives before Twilio's answer is not moved back to 'queued'."""
    app = create_app(settings)
    runtime = build_runtime(settings, sms=CallbackFirstSender(app.test_client(), settings))
    outbound_id = queue(runtime)

    deliver_outbound(runtime, outbound_id)

    sent = row(runtime, outbound_id)
    assert (sent.status, sent.twilio_sid) == ("sent", "SM" + "c" * 32)
    runtime.close()
    services(app).close()


def test_twilio_saying_when_to_come_back_schedules_the_text_then(
    twilio_rt: Runtime, peer: TwilioPeer
) -> None:
    peer.fail_next(replace(TOO_MANY_REQUESTS, headers=(("Retry-After", "30"),)))
    outbound_id = queue(twilio_rt)

    deliver_outbound(twilio_rt, outbound_id)  # returns: the next try is scheduled

    assert row(twilio_rt, outbound_id).status == "pending"
    scheduled = twilio_rt.queue.scheduled_job_registry.get_job_ids()
    assert [job_id.rsplit("-at-", 1)[0] for job_id in scheduled] == [f"send_sms-{outbound_id}"]
    when = int(scheduled[0].rsplit("-at-", 1)[1])
    assert 20 <= when - int(time.time()) <= 31


def test_send_now_hands_the_text_over_without_a_job_of_its_own(
    twilio_rt: Runtime, peer: TwilioPeer
) -> None:
    outbound_id = queue(twilio_rt)

    send_now(twilio_rt, [outbound_id])

    assert row(twilio_rt, outbound_id).status == "queued"
    assert len(peer.messages) == 1
    assert twilio_rt.queue.job_ids == []


def test_send_now_leaves_a_briefly_refused_text_to_a_send_sms_job(
    twilio_rt: Runtime, peer: TwilioPeer
) -> None:
    """A 503 does not fail the job at hand: the text waits, pending, for a job that retries it."""
    peer.fail_next(SERVICE_UNAVAILABLE)
    outbound_id = queue(twilio_rt)

    send_now(twilio_rt, [outbound_id])

    assert row(twilio_rt, outbound_id).status == "pending"
    assert twilio_rt.queue.job_ids == [f"send_sms-{outbound_id}"]
    deliver_outbound(twilio_rt, outbound_id)  # what that job does
    assert row(twilio_rt, outbound_id).status == "queued"
    assert len(peer.messages) == 1
