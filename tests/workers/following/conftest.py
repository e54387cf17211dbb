"""An event open to followers, its followers, a local Twilio, and the texts a number gets."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update
from twilio.rest import Client

from config import Settings
from store.db import transaction
from store.models import Event, Follow, OutboundMessage, utcnow
from tests.factories import add_event, add_inbound
from tests.peers.twilio import ACCOUNT_SID, LocalTwilioHttpClient, TwilioPeer
from workers.following.broadcasts import notice_recipients, start_broadcast
from workers.runtime import Runtime, build_runtime
from workers.texts_in.inbound import process_inbound
from workers.texts_out import replies
from workers.texts_out.sms_senders import TwilioSender

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


def add_followers(
    rt: Runtime, event_id: int, count: int, level: str = "all", first: int = 0
) -> list[str]:
    """Numbers following the event (active, as if their codes came back); in order."""
    phones = [f"+6422{n:07d}" for n in range(first, first + count)]
    with transaction(rt.sessions) as session:
        for phone in phones:
            session.add(
                Follow(
                    event_id=event_id,
                    phone=phone,
                    level=level,
                    status="active",
                    asked_with=f"FOLLOW SWRB13 {level.upper()}",
                    confirmed_at=utcnow(),
                )
            )
    return phones


def broadcast_notice(rt: Runtime, event_id: int, words: str = "Keynote moved to room 4") -> int:
    """Start a notice to the event's followers and attendees, as the console does; its id."""
    with transaction(rt.sessions) as session:
        event = session.get_one(Event, event_id)
        phones = notice_recipients(session, event)
        text = replies.notice(event.code, words, rt.settings.broadcast_segments)
        return start_broadcast(session, event, "notice", text, phones, "test").id


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
    runtime = build_runtime(settings, sms=TwilioSender(client, from_=settings.sms_number))
    yield runtime
    runtime.close()
    http_client.close()
