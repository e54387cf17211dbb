"""SMS senders: TwilioSender through the real twilio SDK, and the outbox.

Two tiers. The hand-written peer (tests/peers/twilio.py) answers every Twilio error
the sender must tell apart. Twilio's own OpenAPI description, served by Prism
(tests/peers/twilio_prism.py), checks that what the sender asks for is a request
Twilio accepts: mocked from the spec's examples, and in front of the hand-written
peer, whose answers it checks too. The spec documents no error bodies for
Messages, so error codes are only ever answered by the hand-written peer.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
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
from tests.peers.twilio_prism import TwilioPrism, running_prism, violations
from workers.texts_out.sms_senders import (
    InvalidRecipient,
    OutboxSender,
    RateLimited,
    RecipientOptedOut,
    SmsResult,
    SmsSendError,
    TwilioSender,
    seconds_to_wait,
)

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


def test_an_opted_out_recipient_raises_recipient_opted_out(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient
) -> None:
    """Twilio's 21610 (the number replied STOP) raises RecipientOptedOut, not worth retrying."""
    peer.fail_next(UNSUBSCRIBED)

    with pytest.raises(RecipientOptedOut) as raised:
        twilio_sender(http_client).send(TO, "hello")

    assert (raised.value.code, raised.value.status, raised.value.transient) == (21610, 400, False)
    assert "unsubscribed recipient" in str(raised.value)
    assert peer.messages == []


def test_an_invalid_to_number_raises_invalid_recipient(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient
) -> None:
    """Twilio's 21211 (not a valid 'To' number) raises InvalidRecipient, not worth retrying."""
    peer.fail_next(INVALID_TO)

    with pytest.raises(InvalidRecipient) as raised:
        twilio_sender(http_client).send(TO, "hello")

    assert (raised.value.code, raised.value.status, raised.value.transient) == (21211, 400, False)
    assert TO in str(raised.value)
    assert peer.messages == []


def test_too_many_requests_raises_rate_limited_with_no_wait_given(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient
) -> None:
    """Twilio's 429 (20429) raises RateLimited, transient, leaving the wait to backoff."""
    peer.fail_next(TOO_MANY_REQUESTS)

    with pytest.raises(RateLimited) as raised:
        twilio_sender(http_client).send(TO, "hello")

    error = raised.value
    assert (error.code, error.status, error.transient, error.retry_after) == (
        20429,
        429,
        True,
        None,
    )


def test_too_many_requests_with_retry_after_says_how_long_to_wait(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient
) -> None:
    """A 429 carrying Retry-After: 30 raises RateLimited with retry_after 30 seconds."""
    peer.fail_next(replace(TOO_MANY_REQUESTS, headers=(("Retry-After", "30"),)))

    with pytest.raises(RateLimited) as raised:
        twilio_sender(http_client).send(TO, "hello")

    assert (raised.value.transient, raised.value.retry_after) == (True, 30.0)


def test_a_retry_after_from_an_earlier_answer_is_not_carried_over(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient
) -> None:
    """The wait belongs to the answer that carried it: the next 429 without one has none."""
    sender = twilio_sender(http_client)
    peer.fail_next(replace(TOO_MANY_REQUESTS, headers=(("Retry-After", "30"),)))
    peer.fail_next(TOO_MANY_REQUESTS)

    with pytest.raises(RateLimited) as first:
        sender.send(TO, "hello")
    with pytest.raises(RateLimited) as second:
        sender.send(TO, "hello")

    assert (first.value.retry_after, second.value.retry_after) == (30.0, None)


def test_a_retry_after_date_is_read_as_seconds_from_now() -> None:
    """Retry-After as an HTTP date gives the seconds until then; a date passed gives 0."""
    now = datetime(2026, 11, 23, 22, 0, 0, tzinfo=UTC)

    assert seconds_to_wait("Mon, 23 Nov 2026 22:01:30 GMT", now) == 90.0
    assert seconds_to_wait("Mon, 23 Nov 2026 21:59:00 GMT", now) == 0.0
    assert seconds_to_wait("120", now) == 120.0
    assert seconds_to_wait("soon", now) is None
    assert seconds_to_wait(None, now) is None


@pytest.mark.parametrize("error", [INTERNAL_ERROR, SERVICE_UNAVAILABLE], ids=["500", "503"])
def test_server_errors_are_transient(
    peer: TwilioPeer, http_client: LocalTwilioHttpClient, error: TwilioError
) -> None:
    """Twilio's 500 and 503 raise a plain SmsSendError worth retrying."""
    peer.fail_next(error)

    with pytest.raises(SmsSendError) as raised:
        twilio_sender(http_client).send(TO, "hello")

    assert type(raised.value) is SmsSendError
    assert (raised.value.code, raised.value.status, raised.value.transient) == (
        error.code,
        error.status,
        True,
    )


@pytest.mark.parametrize(
    ("error", "raised_as", "transient"),
    [
        (UNSUBSCRIBED, RecipientOptedOut, False),
        (INVALID_TO, InvalidRecipient, False),
        (TOO_MANY_REQUESTS, RateLimited, True),
        (SERVICE_UNAVAILABLE, SmsSendError, True),
    ],
    ids=["21610", "21211", "20429", "503"],
)
def test_problem_details_errors_are_told_apart_the_same_way(
    peer: TwilioPeer,
    http_client: LocalTwilioHttpClient,
    error: TwilioError,
    raised_as: type[SmsSendError],
    transient: bool,
) -> None:
    """An error in the RFC 9457 shape (the SDK's TwilioServiceException) is classified alike."""
    peer.fail_next(replace(error, problem_details=True))

    with pytest.raises(SmsSendError) as raised:
        twilio_sender(http_client).send(TO, "hello")

    assert type(raised.value) is raised_as
    assert (raised.value.code, raised.value.status, raised.value.transient) == (
        error.code,
        error.status,
        transient,
    )
    assert error.message.format(to=TO) in str(raised.value)


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


# Twilio's own spec, served by Prism: what the sender asks for is a request Twilio accepts.


@pytest.fixture
def prism_client(twilio_prism: TwilioPrism) -> Iterator[LocalTwilioHttpClient]:
    """The SDK's HTTP client, pointed at Prism mocking Twilio's API from its spec."""
    client = LocalTwilioHttpClient(twilio_prism.url)
    yield client
    client.close()


def test_a_text_from_a_number_is_a_request_twilios_spec_accepts(
    twilio_prism: TwilioPrism, prism_client: LocalTwilioHttpClient
) -> None:
    """To, From, Body and a StatusCallback with our reference pass; the spec's Message is read."""
    sender = twilio_sender(prism_client, status_callback=STATUS_CALLBACK)

    result = sender.send(TO, "Kia ora, Aroha — tēnā koe 🎉", reference="42")

    expected = twilio_prism.created_message()
    assert [response.status_code for response in prism_client.responses] == [201]
    assert result == SmsResult(status=expected["status"], sid=expected["sid"])


def test_a_text_through_a_messaging_service_is_a_request_twilios_spec_accepts(
    twilio_prism: TwilioPrism, prism_client: LocalTwilioHttpClient
) -> None:
    """A Messaging Service SID and no From pass the spec."""
    sender = twilio_sender(
        prism_client, from_="", messaging_service_sid=SERVICE_SID, status_callback=STATUS_CALLBACK
    )

    result = sender.send(TO, "Posted to 2 accounts.", reference="7")

    assert [response.status_code for response in prism_client.responses] == [201]
    assert result.sid == twilio_prism.created_message()["sid"]


def test_twilios_spec_refuses_a_message_with_no_to(prism_client: LocalTwilioHttpClient) -> None:
    """Through the SDK itself, a create without To gets Prism's 422 naming the missing field."""
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=prism_client)

    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to=values.unset, from_=FROM, body="hello")

    assert raised.value.status == 422
    [broken] = violations(prism_client.responses[-1].text)
    assert (broken["location"], broken["code"]) == (["body"], "required")
    assert "'To'" in broken["message"]


@pytest.mark.parametrize(
    ("account_sid", "options", "location"),
    [
        (
            ACCOUNT_SID,
            {"from_": "", "messaging_service_sid": "MG-not-a-sid"},
            ["body", "MessagingServiceSid"],
        ),
        (ACCOUNT_SID, {"status_callback": "sms/status"}, ["body", "StatusCallback"]),
        # Prism names path parameters in lower case.
        ("AC-not-an-account", {}, ["path", "accountsid"]),
    ],
    ids=["messaging-service-sid", "status-callback", "account-sid"],
)
def test_a_request_twilios_spec_refuses_is_a_permanent_error(
    prism_client: LocalTwilioHttpClient,
    account_sid: str,
    options: dict[str, str],
    location: list[str],
) -> None:
    """A malformed SID or callback URL fails at Prism (422) and is not worth retrying."""
    client = Client(account_sid, AUTH_TOKEN, http_client=prism_client)
    sender = TwilioSender(client, **({"from_": FROM} | options))

    with pytest.raises(SmsSendError) as raised:
        sender.send(TO, "hello", reference="1")

    assert type(raised.value) is SmsSendError
    assert (raised.value.status, raised.value.code, raised.value.transient) == (422, None, False)
    broken = violations(prism_client.responses[-1].text)
    assert {tuple(rule["location"]) for rule in broken} == {tuple(location)}


# The hand-written peer behind Prism: the same requests checked against the spec, and
# the peer's own answers checked against it too.


@pytest.fixture(scope="module")
def peer_behind_prism() -> Iterator[tuple[TwilioPeer, TwilioPrism]]:
    """One hand-written peer for the module, with Prism in front of it as a checking proxy."""
    with TwilioPeer() as running, running_prism(upstream=running.url) as prism:
        yield running, prism


@pytest.fixture
def checked_peer(
    peer_behind_prism: tuple[TwilioPeer, TwilioPrism],
) -> Iterator[tuple[TwilioPeer, LocalTwilioHttpClient]]:
    """The peer, fresh for this test, and the SDK's HTTP client pointed at Prism before it."""
    running, prism = peer_behind_prism
    running.reset()
    client = LocalTwilioHttpClient(prism.url)
    yield running, client
    client.close()


@pytest.mark.parametrize(
    "options",
    [{"from_": FROM}, {"from_": "", "messaging_service_sid": SERVICE_SID}],
    ids=["from-number", "messaging-service"],
)
def test_the_peers_message_is_one_twilios_spec_allows(
    checked_peer: tuple[TwilioPeer, LocalTwilioHttpClient], options: dict[str, str]
) -> None:
    """The peer's Message passes Prism's response check: no violations, the peer's own sid."""
    running, http_client = checked_peer
    sender = twilio_sender(http_client, status_callback=STATUS_CALLBACK, **options)

    result = sender.send(TO, "Kia ora", reference="3")

    [response] = http_client.responses
    assert response.status_code == 201
    assert "sl-violations" not in response.headers
    assert result.sid == running.messages[0]["sid"]
    assert running.requests[0].form["StatusCallback"] == f"{STATUS_CALLBACK}?ref=3"


@pytest.mark.parametrize(
    ("error", "raised_as", "transient"),
    [
        (UNSUBSCRIBED, RecipientOptedOut, False),
        (INVALID_TO, InvalidRecipient, False),
        (TOO_MANY_REQUESTS, RateLimited, True),
        (INTERNAL_ERROR, SmsSendError, True),
    ],
    ids=["21610", "21211", "20429", "500"],
)
def test_twilios_refusals_of_a_request_its_spec_accepts_are_told_apart(
    checked_peer: tuple[TwilioPeer, LocalTwilioHttpClient],
    error: TwilioError,
    raised_as: type[SmsSendError],
    transient: bool,
) -> None:
    """A request Prism lets through, refused by the peer, raises the error for its code."""
    running, http_client = checked_peer
    running.fail_next(error)

    with pytest.raises(SmsSendError) as raised:
        twilio_sender(http_client).send(TO, "hello")

    assert len(running.requests) == 1  # Prism passed the request on: the spec allows it
    assert type(raised.value) is raised_as
    assert (raised.value.code, raised.value.transient) == (error.code, transient)
