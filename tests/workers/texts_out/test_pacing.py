"""The sender's clock in a real Redis: replies book and go, broadcasts wait for a free slot."""

from __future__ import annotations

import time

from workers.runtime import Runtime
from workers.texts_out.pacing import Pacer

RATE = 10.0  # segments a second: a slot every 100 ms


def test_a_free_sender_takes_a_broadcast_text_at_once(rt: Runtime) -> None:
    pacer = Pacer(rt.queue.connection, "+15005550006", RATE)

    started = time.monotonic()
    assert pacer.wait_for_slot(1, give_up_at=started + 5)

    assert time.monotonic() - started < 0.5  # no slot to wait for (loose: a busy CI)


def test_a_reply_never_waits_and_broadcasts_wait_behind_it(rt: Runtime) -> None:
    pacer = Pacer(rt.queue.connection, "+15005550006", RATE)

    started = time.monotonic()
    for _ in range(5):
        pacer.book(1)  # five replies at once: none waits on us
    booked = time.monotonic() - started
    assert pacer.wait_for_slot(1, give_up_at=time.monotonic() + 5)
    waited = time.monotonic() - started

    assert booked < 0.45  # never the half second a wait would take
    assert 0.45 <= waited < 2.0  # the five replies' half second first


def test_a_long_text_books_a_slot_for_each_segment(rt: Runtime) -> None:
    pacer = Pacer(rt.queue.connection, "+15005550006", RATE)

    pacer.book(3)
    started = time.monotonic()
    assert pacer.wait_for_slot(1, give_up_at=started + 5)

    assert 0.25 <= time.monotonic() - started < 2.0


def test_a_broadcast_gives_up_at_its_deadline_without_booking(rt: Runtime) -> None:
    pacer = Pacer(rt.queue.connection, "+15005550006", RATE)
    pacer.pause(60)

    started = time.monotonic()
    assert not pacer.wait_for_slot(1, give_up_at=started + 0.2)

    assert time.monotonic() - started < 1.5
    assert rt.queue.connection.pttl("smsbridge:pace:+15005550006") > 59_000  # as paused


def test_each_sender_has_its_own_clock(rt: Runtime) -> None:
    busy = Pacer(rt.queue.connection, "+15005550006", RATE)
    other = Pacer(rt.queue.connection, "MG" + "0" * 32, RATE)
    busy.pause(60)

    assert other.wait_for_slot(1, give_up_at=time.monotonic() + 0.1)
