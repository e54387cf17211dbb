"""A notice to 300 followers on a local Twilio: at the sender's pace, replies first, STOP heard.

The pace is read from the peer's own clock (when each Message was created), with a
tolerance for the scheduling of threads; it checks we never send faster than the
rate, which is what keeps Twilio's queue short for the replies.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from sqlalchemy import select

from store.models import OutboundMessage
from tests.conftest import wait_until
from tests.factories import PHONE, add_person
from tests.peers.twilio import TwilioPeer
from tests.workers.following.conftest import add_followers, broadcast_notice, text_from
from workers.following.sending import run_broadcast
from workers.runtime import Runtime

RATE = 40.0  # segments a second: 300 texts take at least 7.5 s
FOLLOWERS = 300


def test_a_notice_to_300_goes_at_the_senders_pace_with_replies_first(
    twilio_rt: Runtime, peer: TwilioPeer, event: int
) -> None:
    rt = replace(twilio_rt, settings=replace(twilio_rt.settings, sms_per_second=RATE))
    add_person(rt)
    text_from(rt, PHONE, "JOIN SWRB13")
    text_from(rt, PHONE, "Day one: kia ora koutou")  # (loads the confidentiality check's lists)
    followers = add_followers(rt, event, FOLLOWERS)
    quitter = followers[-1]  # its text is among the last: STOP comes before its turn
    broadcast_id = broadcast_notice(rt, event)
    sending = threading.Thread(target=run_broadcast, args=(rt, broadcast_id, 0, 120.0))

    sending.start()
    wait_until(lambda: len(peer.messages) >= 40, timeout=30)  # a second in
    posted_at = time.monotonic()
    text_from(rt, PHONE, "Day two: the panel on supervision")  # posts; its reply is sent now
    text_from(rt, quitter, "STOP")
    sending.join(timeout=120)

    assert not sending.is_alive()
    sent = list(zip(peer.arrivals, peer.messages, strict=True))
    notices = [(t, m["to"]) for t, m in sent if m["body"].startswith("SWRB13: Keynote")]
    broadcast = [t for t, _ in notices]
    # Every follower but the one who said STOP, and the attendee, once each.
    assert sorted(phone for _, phone in notices) == sorted([PHONE, *followers[:-1]])
    # The pace: never more than the rate in any second (one text of slack for timing).
    for i, started in enumerate(broadcast):
        within = sum(1 for t in broadcast[i:] if t < started + 1.0)
        assert within <= RATE + 1, f"{within} texts in the second from text {i}"
    assert broadcast[-1] - broadcast[0] >= (FOLLOWERS - 1) / RATE - 0.1
    # The reply to the post went out at once, between the broadcast's texts, not after.
    replied = [t for t, m in sent if m["body"].startswith("Posted to") and t > posted_at]
    assert len(replied) == 1
    assert replied[0] - posted_at < 1.5  # handled, published and sent: no wait for the pacer
    assert replied[0] < broadcast[-1] - 2.0
    with rt.sessions() as session:
        stopped = session.scalar(
            select(OutboundMessage.status).where(
                OutboundMessage.broadcast_id == broadcast_id, OutboundMessage.to_phone == quitter
            )
        )
    assert stopped == "opted_out"
