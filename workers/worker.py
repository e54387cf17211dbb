"""The RQ worker class for `rq worker -w workers.worker.GatewayWorker`.

It imports the job modules once in the parent, so each forked job starts warm,
and runs a small ticker thread that enqueues the sweeper: scheduled in the
worker, with a Redis lock so a fleet of workers sweeps once per interval.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from redis.exceptions import RedisError
from rq import Worker

# Imported so forked jobs start warm: the work horse inherits these modules.
import workers.mentions.reading
import workers.publishing.deliveries
import workers.sweeper
import workers.texts_in.inbound
import workers.texts_in.undo
import workers.texts_out.sms  # noqa: F401
from config import Settings, load_settings
from store.queueing import SWEEP, make_queue

log = logging.getLogger(__name__)

SWEEP_LOCK = "smsbridge:sweep-lock"
# RQ's default is ten minutes. Maintenance is when a worker takes over the
# scheduler of a worker that died and retries jobs that died with it; until then
# retries with backoff wait. A minute keeps a lost worker from stalling the fleet.
MAINTENANCE_SECONDS = 60


class GatewayWorker(Worker):
    """An RQ worker that also keeps the sweeper running, and does maintenance often."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        interval = kwargs.get("maintenance_interval") or MAINTENANCE_SECONDS
        kwargs["maintenance_interval"] = min(interval, MAINTENANCE_SECONDS)
        super().__init__(*args, **kwargs)

    def work(self, *args: Any, **kwargs: Any) -> bool:
        """Start the sweep ticker, then work as RQ does."""
        start_sweep_ticker(load_settings())
        return super().work(*args, **kwargs)


def start_sweep_ticker(settings: Settings) -> threading.Thread:
    """Enqueue a sweep every sweep_after_seconds, once across all workers."""
    interval = max(settings.sweep_after_seconds, 1)
    queue = make_queue(settings)

    def tick() -> None:
        while True:
            time.sleep(interval)
            try:
                if queue.connection.set(SWEEP_LOCK, "1", nx=True, ex=max(interval - 1, 1)):
                    queue.enqueue(SWEEP)
            except RedisError as exc:
                log.warning("sweep ticker: Redis unreachable (%s)", exc)

    thread = threading.Thread(target=tick, name="sweep-ticker", daemon=True)
    thread.start()
    return thread
