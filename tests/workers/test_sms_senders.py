"""SMS senders: TwilioSender through the real twilio SDK to a local Twilio, and the outbox."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest
from twilio.rest import Client

from tests.peers.twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    INTERNAL_ERROR,
    INVALID_TO,
    SERVICE_UNAVAILABLE,
    TOO_MANY_REQUESTS,
    UNSUBSCRIBED,
    LocalTwilioHttpClient,
    TwilioError,
    TwilioPeer,
)
from workers.sms_senders import OutboxSender, SmsResult, SmsSendError, TwilioSender

TO = "+64211234567"
FROM = "+15005550006"
SERVICE_SID = "MG" + "fedcba9876543210" * 2
STATUS_CALLBACK = "http://127.0.0.1:5000/sms/status"


@pytest.fixture
def peer() -> Iterator[TwilioPeer]:
    """A local Twilio, running for one test."""
    with TwilioPeer() as running:
        yield running


@pytest.fixture
def http_client(peer: TwilioPeer) -> Iterator[LocalTwilioHttpClient]:
    """The SDK's HTTP client, pointed at the peer."""
    client = LocalTwilioHttpClient(peer.url)
    yield client
    client.close()


def twilio_sender(
    http_client: LocalTwilioHttpClient, auth_token: str = AUTH_TOKEN, **options: str
) -> TwilioSender:
    """A TwilioSender on a real twilio Client that talks to the peer."""
    client = Client(ACCOUNT_SID, auth_token, http_client=http_client)
    return TwilioSender(client, **({"from_": FROM} | options))


def test_a_text_from_a_number_posts_to_from_body_and_status_callback(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient
) -> None:
    """Sending from a number posts To, From, Body and StatusCallback and returns Twilio's sid."""
    sender = twilio_sender(http_client, status_callback=STATUS_CALLBACK)

    result = sender.send(TO, "Posted to 2 accounts.")

    [request] = peer.requests
    assert (request.method, request.path) == (
        "POST",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
    )
    assert request.form == {
        "To": TO,
        "From": FROM,
        "Body": "Posted to 2 accounts.",
        "StatusCallback": STATUS_CALLBACK,
    }
    expected_auth = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected_auth}"
    assert result == SmsResult(status="queued", sid=peer.messages[0]["sid"])
    assert re.fullmatch(r"SM[0-9a-f]{32}", result.sid or "")


def test_a_text_through_a_messaging_service_sends_its_sid_and_no_from(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient
) -> None:
    """With a Messaging Service SID the request names the service and carries no From."""
    sender = twilio_sender(
        http_client, from_="", messaging_service_sid=SERVICE_SID, status_callback=STATUS_CALLBACK
    )

    result = sender.send(TO, "Kia ora")

    [request] = peer.requests
    assert request.form["MessagingServiceSid"] == SERVICE_SID
    assert "From" not in request.form
    assert result == SmsResult(status="accepted", sid=peer.messages[0]["sid"])


def test_no_status_callback_is_asked_for_when_none_is_set(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient
) -> None:
    """Without a status callback URL the request carries no StatusCallback field."""
    twilio_sender(http_client).send(TO, "hello")

    assert set(peer.requests[0].form) == {"To", "From", "Body"}


def test_a_body_outside_ascii_arrives_unchanged(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient
) -> None:
    """Macrons, dashes and emoji reach Twilio exactly as written."""
    body = "Kia ora, Aroha — tēnā koe 🎉"

    twilio_sender(http_client).send(TO, body)

    assert peer.requests[0].form["Body"] == body
    assert peer.messages[0]["body"] == body


def test_a_wrong_auth_token_is_a_permanent_error(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient
) -> None:
    """Twilio's 401 (20003) raises SmsSendError that is not worth retrying."""
    sender = twilio_sender(http_client, auth_token="not-the-token")

    with pytest.raises(SmsSendError) as raised:
        sender.send(TO, "hello")

    assert (raised.value.code, raised.value.transient) == (20003, False)
    assert "Authenticate" in str(raised.value)
    assert peer.messages == []


@pytest.mark.parametrize("error", [UNSUBSCRIBED, INVALID_TO], ids=["unsubscribed", "invalid-to"])
def test_a_refused_recipient_is_a_permanent_error(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient, error: TwilioError
) -> None:
    """An opted-out (21610) or invalid (21211) number raises a non-transient SmsSendError."""
    peer.fail_next(error)

    with pytest.raises(SmsSendError) as raised:
        twilio_sender(http_client).send(TO, "hello")

    assert (raised.value.code, raised.value.transient) == (error.code, False)
    assert peer.messages == []


@pytest.mark.parametrize(
    "error",
    [TOO_MANY_REQUESTS, INTERNAL_ERROR, SERVICE_UNAVAILABLE],
    ids=["429", "500", "503"],
)
def test_rate_limits_and_server_errors_are_transient(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient, error: TwilioError
) -> None:
    """Twilio's 429 (20429), 500 and 503 raise an SmsSendError worth retrying."""
    peer.fail_next(error)

    with pytest.raises(SmsSendError) as raised:
        twilio_sender(http_client).send(TO, "hello")

    assert (raised.value.code, raised.value.transient) == (error.code, True)


def test_an_unreachable_twilio_is_transient(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient
) -> None:
    """A refused connection raises a transient SmsSendError with no Twilio code."""
    sender = twilio_sender(http_client)
    peer.stop()

    with pytest.raises(SmsSendError) as raised:
        sender.send(TO, "hello")

    assert (raised.value.code, raised.value.transient) == (None, True)
    assert "unreachable" in str(raised.value)


def test_a_failure_passes_and_the_next_send_goes_through(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient
) -> None:
    """After one 503 the same sender sends the next text normally."""
    sender = twilio_sender(http_client)
    peer.fail_next(SERVICE_UNAVAILABLE)

    with pytest.raises(SmsSendError):
        sender.send(TO, "first try")
    result = sender.send(TO, "second try")

    assert len(peer.requests) == 2
    assert [message["sid"] for message in peer.messages] == [result.sid]


def test_a_twilio_sender_needs_a_number_or_a_messaging_service() -> None:
    """Without From or a Messaging Service SID there is nothing to send from."""
    with pytest.raises(ValueError, match="TWILIO_FROM"):
        TwilioSender(Client(ACCOUNT_SID, AUTH_TOKEN))


def test_the_outbox_keeps_the_text_and_gives_no_sid() -> None:
    """OutboxSender answers status 'outbox' with no sid."""
    assert OutboxSender().send(TO, "hello") == SmsResult(status="outbox", sid=None)
