"""Queue a text for sending: one outbound row, counted in segments."""

from __future__ import annotations

from sqlalchemy.orm import Session

from store.models import OutboundMessage
from store.opt_outs import is_opted_out
from workers.texts_out.segments import count_segments
from workers.texts_out.smart_encoding import smart_encode
from workers.texts_out.sms_fit import cap_outbound


def queue_text(
    session: Session, to: str, body: str, kind: str, post_id: int | None = None
) -> OutboundMessage:
    """Add an outbound text to the session; the caller enqueues it after commit.

    A text to a number that opted out is kept with status "opted_out" and never sent.
    """
    # Twilio's look-alike swaps, so a stray smart quote does not make it UCS-2, and
    # never over Twilio's 1600 characters.
    body = cap_outbound(smart_encode(body))
    count = count_segments(body)
    message = OutboundMessage(
        to_phone=to,
        body=body,
        segments=count.segments,
        encoding=count.encoding,
        kind=kind,
        post_id=post_id,
        status="opted_out" if is_opted_out(session, to) else "pending",
    )
    session.add(message)
    session.flush()
    return message
