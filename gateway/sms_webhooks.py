"""Twilio's webhooks: an inbound text, and status callbacks for texts we sent."""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, abort, request
from redis.exceptions import RedisError
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.twiml.messaging_response import MessagingResponse

from config import logs
from gateway.metrics import count_webhook
from gateway.services import services
from store.models import InboundMedia, InboundMessage, OutboundMessage, utcnow
from store.opt_outs import opt_out
from store.queueing import enqueue_inbound
from store.sms_status import lower_statuses

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__, url_prefix="/sms")
bp.after_request(count_webhook)  # each answer, by status code, on /metrics
OPTED_OUT_CODE = 21610  # Twilio: "Attempt to send to unsubscribed recipient"
# Twilio's signature joins the form's names and values with no separator, so one
# signed request can be re-split into other values that still validate: each field
# must also have the shape Twilio gives it.
MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-f]{32}")
PHONE_WIDTH = 32  # the columns' width; a phone number or sender id is far shorter
MAX_MEDIA = 10  # Twilio delivers at most ten attachments with one MMS
MEDIA_SID = re.compile(r"ME[0-9a-f]{32}")
CONTENT_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+")
FORM = "application/x-www-form-urlencoded"


def require_twilio_signature() -> None:
    """Abort unless this is Twilio's form, signed by Twilio for our public URL, for our account."""
    if request.mimetype != FORM:
        abort(415, f"Twilio's webhooks are sent as {FORM}")
    svc = services()
    # Behind a TLS proxy request.url says http://internal-host; Twilio signed the
    # public URL, so rebuild it from PUBLIC_URL and the path and query we were called at.
    url = svc.settings.public_url + request.full_path.rstrip("?")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not svc.validator.validate(url, request.form, signature):
        log.warning("rejected %s with a bad or missing Twilio signature", request.path)
        abort(403)
    ours = svc.settings.twilio_account_sid
    if ours and request.form.get("AccountSid") != ours:
        log.warning("rejected %s signed for another Twilio account", request.path)
        abort(403)


def message_sid() -> str:
    """The form's MessageSid, or 400 when it is not the shape Twilio gives one."""
    sid = request.form.get("MessageSid", "")
    if not MESSAGE_SID.fullmatch(sid):
        abort(400, "MessageSid must be SM or MM and 32 hex digits")
    logs.MESSAGE_SID.set(sid)  # this request's logs, and the jobs it enqueues, name the text
    return sid


def phone_field(name: str, required: bool = False) -> str:
    """A From or To, or 400 when missing (if required), too long or unprintable."""
    value = request.form.get(name, "").strip()
    if (required and not value) or len(value) > PHONE_WIDTH or not value.isprintable():
        abort(400, f"{name} must be a phone number or sender id")
    return value


def media_fields(sid: str) -> list[tuple[str, str]]:
    """Each attachment's URL and content type, or 400 unless every URL is Twilio's own.

    The worker fetches these URLs with our Twilio credentials, so a URL anywhere else
    (a forged or re-split form) would hand them to whoever runs it: only a Media
    resource of this message, under TWILIO_API_URL and our account, is taken.
    """
    raw = request.form.get("NumMedia", "0").strip() or "0"
    if not raw.isdigit() or int(raw) > MAX_MEDIA:
        abort(400, f"NumMedia must be a number from 0 to {MAX_MEDIA}")
    settings = services().settings
    prefix = (
        f"{settings.twilio_api_url}/2010-04-01/Accounts/{settings.webhook_account_sid}"
        f"/Messages/{sid}/Media/"
    )
    media = []
    for position in range(int(raw)):
        url = request.form.get(f"MediaUrl{position}", "")
        content_type = request.form.get(f"MediaContentType{position}", "").strip().lower()
        if not (url.startswith(prefix) and MEDIA_SID.fullmatch(url.removeprefix(prefix))):
            abort(400, f"MediaUrl{position} must be a Media resource of this message")
        if not CONTENT_TYPE.fullmatch(content_type):
            abort(400, f"MediaContentType{position} must be a content type")
        media.append((url, content_type))
    return media


EMPTY_TWIML = str(MessagingResponse())


def empty_twiml() -> Response:
    """Return the empty TwiML answer: we reply later, by REST, not in the response."""
    return Response(EMPTY_TWIML, mimetype="text/xml")


@bp.post("/inbound")
def inbound() -> Response:
    """Store an inbound text once per MessageSid and queue its handling."""
    require_twilio_signature()
    sid = message_sid()
    sender = phone_field("From", required=True)
    to = phone_field("To")
    # No database stores NUL in text (PostgreSQL refuses it), and no phone types one.
    body = request.form.get("Body", "").replace("\x00", "")
    media = media_fields(sid)

    svc = services()
    # One insert, marked enqueued in the same commit (no ORM unit of work: this is the
    # hot path). If the enqueue then fails, the mark is taken back, so the sweeper
    # sees the text at once.
    try:
        with svc.engine.begin() as connection:
            inbound_id = connection.execute(
                insert(InboundMessage)
                .values(
                    message_sid=sid,
                    from_phone=sender,
                    to_phone=to,
                    body=body,
                    num_media=len(media),
                    enqueued_at=utcnow(),
                )
                .returning(InboundMessage.id)
            ).scalar_one()
            if media:
                connection.execute(
                    insert(InboundMedia),
                    [
                        {
                            "inbound_id": inbound_id,
                            "position": position,
                            "twilio_url": url,
                            "declared_type": content_type,
                            "status": "waiting",
                        }
                        for position, (url, content_type) in enumerate(media)
                    ],
                )
    except IntegrityError:
        log.info("text %s again: a repeat of one stored, nothing more to do", sid)
        return empty_twiml()  # a repeat of a text we already have: no new work
    # Never its words: who sent it (the filter keeps three digits), its size, its photos.
    log.info(
        "text %s stored from %s: %d characters, %d attachments",
        inbound_id,
        sender,
        len(body),
        len(media),
    )

    try:
        enqueue_inbound(svc.queue, inbound_id, new=True)
    except RedisError:
        # The text is stored; the sweeper enqueues it when Redis answers again.
        log.warning("queue unreachable; inbound %s left for the sweeper", inbound_id)
        with svc.engine.begin() as connection:
            connection.execute(
                update(InboundMessage)
                .where(InboundMessage.id == inbound_id)
                .values(enqueued_at=None)
            )
    return empty_twiml()


@bp.post("/status")
def status() -> Response:
    """Record a delivery status for a text we sent; never move a final status back."""
    require_twilio_signature()
    sid = message_sid()
    new_status = request.form.get("MessageStatus", "").strip().lower()
    if not new_status.isalpha() or len(new_status) > 20:
        abort(400, "MessageStatus is required")
    error_code = request.form.get("ErrorCode", "")
    if error_code and not (error_code.isdigit() and len(error_code) <= 8):
        abort(400, "ErrorCode must be Twilio's number")
    svc = services()
    with svc.sessions.begin() as session:
        known = find_outbound(session, sid, request.args.get("ref", ""))
        if known is None:
            return Response(status=204)
        if known.twilio_sid is None:
            known.twilio_sid = sid  # the callback beat the send job's own record of it
        if error_code == str(OPTED_OUT_CODE):
            # Twilio found the number opted out after accepting the text (a Messaging
            # Service checks later): send it nothing more until it texts START.
            opt_out(session, known.to_phone, f"twilio-{OPTED_OUT_CODE}")
        # One conditional UPDATE: a late or repeated callback matches no row.
        session.execute(
            update(OutboundMessage)
            .where(
                OutboundMessage.id == known.id,
                OutboundMessage.status.in_(lower_statuses(new_status)),
            )
            .values(status=new_status, error_code=error_code or None)
        )
    return Response(status=204)


def find_outbound(session: Session, sid: str, ref: str) -> OutboundMessage | None:
    """Find the text a callback is about: by Twilio's sid, or by our own reference."""
    found = session.scalar(select(OutboundMessage).where(OutboundMessage.twilio_sid == sid))
    if found is None and ref.isdigit():
        found = session.scalar(
            select(OutboundMessage).where(
                OutboundMessage.id == int(ref), OutboundMessage.twilio_sid.is_(None)
            )
        )
    return found
