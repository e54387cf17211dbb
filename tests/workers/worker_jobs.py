"""Jobs for tests/workers/test_worker.py, importable by the worker processes it starts."""

from __future__ import annotations

import os
import time

from redis import Redis


def spin(seconds: float) -> None:
    """Run Python code for a while, as a job stuck in a loop would."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)


def meet(redis_url: str, key: str, count: int) -> int:
    """Wait until `count` jobs have arrived here at once; return this process's id.

    Run one at a time, the first would wait out its timeout and fail.
    """
    redis = Redis.from_url(redis_url)
    redis.incr(key)
    deadline = time.monotonic() + 30
    while int(redis.get(key) or 0) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {int(redis.get(key) or 0)} of {count} jobs ran at once")
        time.sleep(0.05)
    return os.getpid()
