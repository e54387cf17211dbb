"""An event open to followers, and the texts a number gets back."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select, update

from store.db import transaction
from store.models import Event, OutboundMessage
from tests.factories import add_event, add_inbound
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound

STRANGER = "+64211234568"  # a number nobody registered
_sids = itertools.count(1)


@pytest.fixture
def event(rt: Runtime) -> int:
    """SWRB13, running now, open to followers."""
    event_id = add_event(rt)
    with transaction(rt.sessions) as session:
        session.execute(update(Event).values(open_to_followers=True))
    return event_id


def texts_to(rt: Runtime, phone: str) -> list[OutboundMessage]:
    """Every text queued for a number, oldest first."""
    with rt.sessions() as session:
        return list(
            session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.to_phone == phone)
                .order_by(OutboundMessage.id)
            )
        )


def text_from(rt: Runtime, phone: str, body: str) -> list[str]:
    """Handle one text from the number; return the words it was sent back."""
    before = len(texts_to(rt, phone))
    process_inbound(rt, add_inbound(rt, body, sender=phone, sid=f"SMf{next(_sids):030d}"))
    return [row.body for row in texts_to(rt, phone)[before:]]
