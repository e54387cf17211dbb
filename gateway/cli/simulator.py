"""Wait for what follows a simulated text: whether it was handled, its post and replies."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from store.models import InboundMessage, OutboundMessage, Post
from store.reports import outbound_record, post_record


@dataclass
class Outcome:
    """What became of a simulated text."""

    handled: bool
    post: dict[str, Any] | None
    replies: list[dict[str, Any]]


def wait_for_outcome(
    sessions: sessionmaker[Session], message_sid: str, timeout: float, poll: float = 0.1
) -> Outcome:
    """Poll until the text is handled and its reply is written, or until timeout."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = read_outcome(sessions, message_sid)
        done = outcome.handled and (outcome.post is None or outcome.post["replied"])
        if (done and outcome.replies) or time.monotonic() >= deadline:
            return outcome
        time.sleep(poll)


def read_outcome(sessions: sessionmaker[Session], message_sid: str) -> Outcome:
    """Read what has become of one inbound text so far."""
    with sessions() as session:
        message = session.scalar(
            select(InboundMessage).where(InboundMessage.message_sid == message_sid)
        )
        if message is None:
            return Outcome(handled=False, post=None, replies=[])
        post = session.scalar(select(Post).where(Post.inbound_id == message.id))
        texts = session.scalars(
            select(OutboundMessage)
            .where(
                OutboundMessage.to_phone == message.from_phone,
                OutboundMessage.created_at >= message.received_at,
            )
            .order_by(OutboundMessage.id)
        ).all()
        if post is not None:
            texts = [t for t in texts if t.post_id == post.id]
        return Outcome(
            handled=message.status != "received",
            post=post_record(post) if post is not None else None,
            replies=[outbound_record(t) for t in texts],
        )
