"""The worker runtime: one per process and settings, with a lock shared through Redis."""

from __future__ import annotations

from workers.runtime import Runtime, current


def test_the_connector_lock_is_held_in_redis_for_every_process_to_see(rt: Runtime) -> None:
    redis = rt.queue.connection

    with rt.connectors.lock("x-refresh:7"):
        held = redis.exists("smsbridge:lock:x-refresh:7")
    released = redis.exists("smsbridge:lock:x-refresh:7")

    assert (held, released) == (1, 0)


def test_current_is_built_once_for_the_same_settings(rt: Runtime) -> None:
    first = current()

    assert current() is first
    assert first.settings == rt.settings
