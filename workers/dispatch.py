"""Enqueue work after its rows are committed, or leave it for the sweeper."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from redis.exceptions import RedisError

from store.queueing import enqueue_publish, enqueue_sms, enqueue_undo
from workers.runtime import Runtime

log = logging.getLogger(__name__)


def dispatch(
    rt: Runtime,
    deliveries: Iterable[int] = (),
    texts: Iterable[int] = (),
    undos: Iterable[int] = (),
) -> None:
    """Enqueue publish, SMS and undo jobs; a dead Redis only delays them."""
    try:
        for delivery_id in deliveries:
            enqueue_publish(rt.queue, delivery_id, rt.settings)
        for outbound_id in texts:
            enqueue_sms(rt.queue, outbound_id)
        for post_id in undos:
            enqueue_undo(rt.queue, post_id)
    except RedisError:
        log.warning("queue unreachable; the sweeper will enqueue the rest of this work")
