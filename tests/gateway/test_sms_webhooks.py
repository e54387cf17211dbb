"""POST /sms/inbound and /sms/status: signatures, storing once, and queueing."""

from __future__ import annotations

from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from config import Settings
from gateway.services import services
from store.db import transaction
from store.models import InboundMedia, InboundMessage, OptOut, OutboundMessage
from store.opt_outs import is_opted_out
from tests.conftest import AUTH_TOKEN

FORM = {
    "MessageSid": "SM" + "a" * 32,
    "AccountSid": "AC" + "0" * 32,
    "From": "+64211234567",
    "To": "+15005550006",
    "Body": "Great keynote",
    "NumMedia": "0",
}


SID1, SID2, SID3, SID4 = (f"SM{n:032x}" for n in range(1, 5))


def signed(settings: Settings, path: str, form: dict[str, str], token: str = AUTH_TOKEN) -> dict:
    """Return headers carrying the signature Twilio would send for this form."""
    url = settings.public_url + path
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, form)}


def inbound_count(client: FlaskClient) -> int:
    with services(client.application).sessions() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage)) or 0


def test_signed_text_is_stored_queued_and_answered_with_empty_twiml(
    client: FlaskClient, settings: Settings, queue: Queue
) -> None:
    response = client.post(
        "/sms/inbound", data=FORM, headers=signed(settings, "/sms/inbound", FORM)
    )

    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.get_data(as_text=True).strip().endswith("<Response />")
    assert inbound_count(client) == 1
    with services(client.application).sessions() as session:
        stored = session.scalars(select(InboundMessage)).one()
    assert (stored.message_sid, stored.from_phone, stored.body) == (
        FORM["MessageSid"],
        "+64211234567",
        "Great keynote",
    )
    assert stored.enqueued_at is not None
    assert queue.get_job_ids() == [f"handle_inbound-{stored.id}"]


def test_missing_signature_is_forbidden_and_stores_nothing(
    client: FlaskClient, queue: Queue
) -> None:
    response = client.post("/sms/inbound", data=FORM)

    assert response.status_code == 403
    assert inbound_count(client) == 0
    assert queue.count == 0


def test_signature_with_the_wrong_token_is_forbidden(
    client: FlaskClient, settings: Settings, queue: Queue
) -> None:
    headers = signed(settings, "/sms/inbound", FORM, token="not-the-token")
    response = client.post("/sms/inbound", data=FORM, headers=headers)

    assert response.status_code == 403
    assert inbound_count(client) == 0
    assert queue.count == 0


def test_a_tampered_body_breaks_the_signature(
    client: FlaskClient, settings: Settings, queue: Queue
) -> None:
    headers = signed(settings, "/sms/inbound", FORM)
    response = client.post("/sms/inbound", data={**FORM, "Body": "Buy crypto"}, headers=headers)

    assert response.status_code == 403
    assert inbound_count(client) == 0


def test_signature_is_checked_against_public_url_not_the_internal_host(
    client: FlaskClient, settings: Settings
) -> None:
    # Signed for the URL the test client talks to, not PUBLIC_URL: what a
    # forger reaching the app behind the proxy would produce.
    url = "http://localhost/sms/inbound"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, FORM)
    response = client.post("/sms/inbound", data=FORM, headers={"X-Twilio-Signature": signature})

    assert response.status_code == 403


def test_a_repeated_message_sid_does_no_new_work(
    client: FlaskClient, settings: Settings, queue: Queue
) -> None:
    headers = signed(settings, "/sms/inbound", FORM)
    first = client.post("/sms/inbound", data=FORM, headers=headers)
    queue.empty()
    second = client.post("/sms/inbound", data=FORM, headers=headers)

    assert (first.status_code, second.status_code) == (200, 200)
    assert inbound_count(client) == 1
    assert queue.count == 0


def test_redis_down_still_answers_200_and_keeps_the_text(
    settings: Settings, clean_state: None
) -> None:
    from dataclasses import replace

    from gateway import create_app

    dead = replace(settings, redis_url="redis://127.0.0.1:1/0")
    app = create_app(dead)
    response = app.test_client().post(
        "/sms/inbound", data=FORM, headers=signed(dead, "/sms/inbound", FORM)
    )

    assert response.status_code == 200
    with services(app).sessions() as session:
        stored = session.scalars(select(InboundMessage)).one()
    services(app).close()
    assert stored.status == "received"
    assert stored.enqueued_at is None  # left for the sweeper


def test_missing_message_sid_is_a_bad_request(client: FlaskClient, settings: Settings) -> None:
    form = {k: v for k, v in FORM.items() if k != "MessageSid"}
    response = client.post(
        "/sms/inbound", data=form, headers=signed(settings, "/sms/inbound", form)
    )

    assert response.status_code == 400
    assert inbound_count(client) == 0


def add_outbound(client: FlaskClient, sid: str, status: str) -> None:
    with transaction(services(client.application).sessions) as session:
        session.add(
            OutboundMessage(
                to_phone="+64211234567",
                body="hi",
                segments=1,
                encoding="GSM-7",
                kind="post_reply",
                twilio_sid=sid,
                status=status,
            )
        )


def outbound_status(client: FlaskClient, sid: str) -> str:
    with services(client.application).sessions() as session:
        return session.scalars(
            select(OutboundMessage.status).where(OutboundMessage.twilio_sid == sid)
        ).one()


def post_status(client: FlaskClient, settings: Settings, sid: str, status: str) -> int:
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
    response = client.post("/sms/status", data=form, headers=signed(settings, "/sms/status", form))
    return response.status_code


def test_status_callback_moves_a_text_forward(client: FlaskClient, settings: Settings) -> None:
    add_outbound(client, SID1, "queued")

    assert post_status(client, settings, SID1, "sent") == 204
    assert outbound_status(client, SID1) == "sent"
    assert post_status(client, settings, SID1, "delivered") == 204
    assert outbound_status(client, SID1) == "delivered"


def test_a_late_callback_never_moves_a_final_status_back(
    client: FlaskClient, settings: Settings
) -> None:
    add_outbound(client, SID2, "queued")

    post_status(client, settings, SID2, "delivered")
    post_status(client, settings, SID2, "sent")
    post_status(client, settings, SID2, "queued")
    post_status(client, settings, SID2, "delivered")

    assert outbound_status(client, SID2) == "delivered"


def test_unsigned_status_callback_changes_nothing(client: FlaskClient) -> None:
    add_outbound(client, SID3, "queued")
    response = client.post("/sms/status", data={"MessageSid": SID3, "MessageStatus": "failed"})

    assert response.status_code == 403
    assert outbound_status(client, SID3) == "queued"


def test_an_undelivered_callback_with_21610_opts_the_number_out(
    client: FlaskClient, settings: Settings
) -> None:
    add_outbound(client, SID4, "sent")
    form = {
        "MessageSid": SID4,
        "MessageStatus": "undelivered",
        "ErrorCode": "21610",
        "AccountSid": "AC" + "0" * 32,
    }

    response = client.post("/sms/status", data=form, headers=signed(settings, "/sms/status", form))

    assert response.status_code == 204
    assert outbound_status(client, SID4) == "undelivered"
    with services(client.application).sessions() as session:
        assert is_opted_out(session, "+64211234567")
        assert session.scalars(select(OptOut.word)).all() == ["twilio-21610"]


def post_inbound(client: FlaskClient, settings: Settings, form: dict[str, str]) -> int:
    """Post a form to the inbound webhook, signed for itself; return the status code."""
    headers = signed(settings, "/sms/inbound", form)
    return client.post("/sms/inbound", data=form, headers=headers).status_code


def test_a_signed_request_re_split_into_another_message_sid_is_refused(
    client: FlaskClient, settings: Settings, queue: Queue
) -> None:
    # The signature joins names and values with nothing between: moving "NumMedia0"
    # into the MessageSid's value leaves the signed string, and the signature, as they were.
    headers = signed(settings, "/sms/inbound", FORM)
    spliced = {k: v for k, v in FORM.items() if k != "NumMedia"}
    spliced["MessageSid"] = FORM["MessageSid"] + "NumMedia0"
    url = settings.public_url + "/sms/inbound"
    assert RequestValidator(AUTH_TOKEN).validate(url, spliced, headers["X-Twilio-Signature"])

    first = client.post("/sms/inbound", data=FORM, headers=headers)
    again = client.post("/sms/inbound", data=spliced, headers=headers)

    assert (first.status_code, again.status_code) == (200, 400)
    assert inbound_count(client) == 1


def test_a_request_for_another_twilio_account_is_refused(
    settings: Settings, clean_state: None
) -> None:
    from dataclasses import replace

    from gateway import create_app

    ours = replace(settings, twilio_account_sid="AC" + "1" * 32)
    app = create_app(ours)
    try:
        client = app.test_client()
        theirs = post_inbound(client, ours, FORM)  # signed, but AccountSid AC000…
        mine = post_inbound(client, ours, {**FORM, "AccountSid": ours.twilio_account_sid})
        assert (theirs, mine) == (403, 200)
        assert inbound_count(client) == 1
    finally:
        services(app).close()


def test_only_twilio_s_form_encoding_is_read(client: FlaskClient, settings: Settings) -> None:
    response = client.post("/sms/inbound", json=FORM, headers=signed(settings, "/sms/inbound", {}))

    assert response.status_code == 415
    assert inbound_count(client) == 0


def test_a_body_over_64_kib_is_refused_before_it_is_read(
    client: FlaskClient, settings: Settings
) -> None:
    form = {**FORM, "Body": "x" * (64 * 1024)}

    assert post_inbound(client, settings, form) == 413
    assert inbound_count(client) == 0


def test_fields_twilio_never_sends_are_a_clear_400_and_nul_is_dropped(
    client: FlaskClient, settings: Settings
) -> None:
    too_long_sender = {**FORM, "From": "+" + "1" * 40}
    long_sid = {**FORM, "MessageSid": "SM" + "a" * 70}
    nul_in_sender = {**FORM, "From": "+6421\x00"}
    nul_in_body = {**FORM, "Body": "Kia\x00 ora"}

    statuses = [
        post_inbound(client, settings, f) for f in (too_long_sender, long_sid, nul_in_sender)
    ]
    kept = post_inbound(client, settings, nul_in_body)

    assert statuses == [400, 400, 400]
    assert kept == 200
    with services(client.application).sessions() as session:
        assert session.scalars(select(InboundMessage.body)).all() == ["Kia ora"]


def test_a_status_callback_with_a_sid_of_another_shape_is_refused(
    client: FlaskClient, settings: Settings
) -> None:
    add_outbound(client, SID1, "queued")

    assert post_status(client, settings, SID1 + "MessageStatusfailed", "sent") == 400
    assert outbound_status(client, SID1) == "queued"


MMS_SID = "MM" + "b" * 32


def mms_form(settings: Settings, *media: tuple[str, str]) -> dict[str, str]:
    """An MMS webhook's form carrying the given (media sid or URL, content type) pairs."""
    base = (
        f"{settings.twilio_api_url}/2010-04-01/Accounts/{settings.webhook_account_sid}"
        f"/Messages/{MMS_SID}/Media/"
    )
    form = {**FORM, "MessageSid": MMS_SID, "NumMedia": str(len(media))}
    for n, (where, content_type) in enumerate(media):
        form[f"MediaUrl{n}"] = where if "://" in where else base + where
        form[f"MediaContentType{n}"] = content_type
    return form


def test_every_attachment_of_an_mms_is_stored_with_the_text(
    client: FlaskClient, settings: Settings, queue: Queue
) -> None:
    form = mms_form(
        settings, ("ME" + "1" * 32, "image/jpeg"), ("ME" + "2" * 32, "video/mp4"),
        ("ME" + "3" * 32, "image/heic"),
    )  # fmt: skip

    assert post_inbound(client, settings, form) == 200
    with services(client.application).sessions() as session:
        rows = session.execute(
            select(InboundMedia.position, InboundMedia.declared_type, InboundMedia.status).order_by(
                InboundMedia.position
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        (0, "image/jpeg", "waiting"),
        (1, "video/mp4", "waiting"),
        (2, "image/heic", "waiting"),
    ]
    assert post_inbound(client, settings, form) == 200  # a repeat stores nothing new
    with services(client.application).sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundMedia)) == 3


def test_a_media_url_anywhere_but_this_messages_twilio_media_is_refused(
    client: FlaskClient, settings: Settings, queue: Queue
) -> None:
    # The worker fetches media with our Twilio credentials: a URL elsewhere would hand
    # them to whoever runs it.
    elsewhere = [
        "http://127.0.0.1:9/steal",
        f"{settings.twilio_api_url}/2010-04-01/Accounts/AC{'9' * 32}/Messages/{MMS_SID}"
        f"/Media/ME{'1' * 32}",  # another account
        f"{settings.twilio_api_url}/2010-04-01/Accounts/{settings.webhook_account_sid}"
        f"/Messages/MM{'c' * 32}/Media/ME{'1' * 32}",  # another message
        "ME" + "1" * 31 + "/../../x",
    ]
    for url in elsewhere:
        assert post_inbound(client, settings, mms_form(settings, (url, "image/jpeg"))) == 400
    too_many = mms_form(settings, *[(f"ME{n:032x}", "image/png") for n in range(11)])
    missing = {**mms_form(settings, ("ME" + "1" * 32, "image/png")), "NumMedia": "2"}
    no_type = mms_form(settings, ("ME" + "1" * 32, "not a type"))

    assert [post_inbound(client, settings, form) for form in (too_many, missing, no_type)] == [
        400, 400, 400,
    ]  # fmt: skip
    assert inbound_count(client) == 0
    assert queue.count == 0
