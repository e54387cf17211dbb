"""send_sms: hand one outbound text to Twilio or the outbox, at most once.

Most texts are sent by the job that queued them (send_now), which saves a job
each; a job of their own (send_sms) is for retries and for texts the sweeper finds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import update

from store.db import transaction, update_rows
from store.metrics import TWILIO_ERRORS
from store.models import OutboundMessage, utcnow
from store.opt_outs import is_opted_out, opt_out
from store.queueing import enqueue_sms_at
from store.sms_status import lower_statuses
from workers.dispatch import dispatch
from workers.runtime import Runtime, current
from workers.texts_out.pacing import sender_pacer
from workers.texts_out.sms_senders import OPTED_OUT, SmsSendError

log = logging.getLogger(__name__)


def send_sms(outbound_id: int) -> None:
    """RQ job: send one outbound text."""
    deliver_outbound(current(), outbound_id)


def send_now(rt: Runtime, outbound_ids: Iterable[int]) -> None:
    """Send texts just committed from the job at hand; a brief refusal goes to a send_sms job."""
    for outbound_id in outbound_ids:
        try:
            deliver_outbound(rt, outbound_id)
        except SmsSendError:
            # Back to pending already: a job of its own retries it with backoff.
            dispatch(rt, texts=[outbound_id])


def deliver_outbound(rt: Runtime, outbound_id: int) -> None:
    """Send a pending text once; a text already handed over is never sent again."""
    with transaction(rt.sessions) as session:
        # Claim it: a text is better lost to a crash here than sent twice.
        claimed = update_rows(
            session,
            update(OutboundMessage)
            .where(OutboundMessage.id == outbound_id, OutboundMessage.status == "pending")
            .values(status="handing"),
        )
        if not claimed:
            return
        message = session.get_one(OutboundMessage, outbound_id)
        to, body = message.to_phone, message.body
        if is_opted_out(session, to):
            # Opted out after the text was queued: it stays unsent, on record.
            message.status = "opted_out"
            return
        segments, paced_already = message.segments, message.broadcast_id is not None

    pacer = sender_pacer(rt.queue.connection, rt.settings)
    if not paced_already:
        pacer.book(segments)  # a reply goes now; broadcasts wait behind it
    try:
        result = rt.sms.send(to, body, reference=str(outbound_id))
    except SmsSendError as exc:
        TWILIO_ERRORS.labels(code=str(exc.code or "none")).inc()
        # A transient refusal puts the text back to pending for the sweeper or a retry.
        status = "pending" if exc.transient else "failed"
        with transaction(rt.sessions) as session:
            if exc.code == OPTED_OUT:
                # Twilio knows the number texted STOP (perhaps to another of our
                # numbers): send it nothing more until it texts START.
                opt_out(session, to, f"twilio-{OPTED_OUT}")
            update_rows(
                session,
                update(OutboundMessage)
                .where(OutboundMessage.id == outbound_id)
                .values(status=status, error_code=str(exc.code) if exc.code else None),
            )
        log.warning("text %s not sent (%s): %s", outbound_id, exc.code, exc)
        if exc.transient and exc.retry_after:
            # Twilio said when to come back: then, not at our own backoff; and the
            # broadcasts wait that long too.
            pacer.pause(exc.retry_after)
            when = utcnow() + timedelta(seconds=exc.retry_after)
            enqueue_sms_at(rt.queue, outbound_id, when)
            return
        if exc.transient:
            raise
        return

    log.info("text %s handed over: %s %s", outbound_id, result.status, result.sid or "")
    with transaction(rt.sessions) as session:
        session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == outbound_id)
            .values(twilio_sid=result.sid, error_code=None)
        )
        # A status callback may have got here first with a later status: keep it.
        session.execute(
            update(OutboundMessage)
            .where(
                OutboundMessage.id == outbound_id,
                OutboundMessage.status.in_(lower_statuses(result.status)),
            )
            .values(status=result.status)
        )
