"""Pace what one sender sends to its rate, replies first: one clock in Redis for every worker.

Twilio sends each number's texts at its rate (a long code: one segment a second)
and queues the rest, in order. A broadcast handed over all at once would put
hundreds of texts ahead of the next reply; so the sender's slots are booked on
one clock in Redis (the time its next segment may go, as in GCRA):

- a reply, a code or any one-to-one text books its slots and goes at once: it
  never waits on us, and pushes the clock on, so broadcasts wait for it;
- a broadcast's text goes only when the clock has come round to now, so at most
  one broadcast text at a time is waiting in Twilio's queue ahead of a reply.

A 429 from Twilio moves the clock past its Retry-After for every worker.
"""

from __future__ import annotations

import time
from contextlib import suppress

from redis import Redis
from redis.exceptions import RedisError

from config import Settings

PACE_PREFIX = "smsbridge:pace:"
LONGEST_NAP = 1.0  # a broadcast looks again at least this often (a STOP may have come)

# KEYS[1]: the sender's clock (µs). ARGV: segments' µs, "now" or "when free", pause µs.
# Returns 0 when the slots are booked, else the µs to wait before asking again.
_BOOK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local clock = tonumber(redis.call('GET', KEYS[1]) or '0')
local pause = tonumber(ARGV[3])
local function keep(at)
  local ms = math.ceil((at - now) / 1000) + 60000
  redis.call('SET', KEYS[1], string.format('%.0f', at), 'PX', ms)
end
if pause > 0 then
  keep(math.max(clock, now + pause))
  return 0
end
if clock < now then clock = now end
if ARGV[2] == 'when free' and clock > now then return clock - now end
keep(clock + tonumber(ARGV[1]))
return 0
"""


class Pacer:
    """One sender's clock: book slots for a text now, or wait for a free one."""

    def __init__(self, redis: Redis, sender: str, per_second: float) -> None:
        self._key = f"{PACE_PREFIX}{sender}"
        self._micros_a_segment = 1_000_000 / per_second
        self._script = redis.register_script(_BOOK)

    def book(self, segments: int) -> None:
        """Book slots for a text that goes now (a reply): it never waits; Redis down, no pacing."""
        # Redis down: a reply is never held up by the pacer; Twilio queues it all the same.
        with suppress(RedisError):
            self._script(keys=[self._key], args=[self._slots(segments), "now", 0])

    def wait_for_slot(self, segments: int, give_up_at: float) -> bool:
        """Wait for the sender to be free, then book; False if not by `give_up_at` (monotonic)."""
        while True:
            waiting = int(
                self._script(keys=[self._key], args=[self._slots(segments), "when free", 0])
            )
            if waiting == 0:
                return True
            nap = min(waiting / 1_000_000, LONGEST_NAP)
            if time.monotonic() + nap > give_up_at:
                return False
            time.sleep(nap)

    def pause(self, seconds: float) -> None:
        """Send nothing more (but replies) for this long: Twilio said 429."""
        with suppress(RedisError):
            self._script(keys=[self._key], args=[0, "now", int(seconds * 1_000_000)])

    def _slots(self, segments: int) -> int:
        return int(self._micros_a_segment * max(segments, 1))


def sender_pacer(redis: Redis, settings: Settings) -> Pacer:
    """The pacer of the number (or Messaging Service) this installation sends from."""
    sender = settings.twilio_messaging_service_sid or settings.sms_number
    return Pacer(redis, sender, settings.sms_per_second)
