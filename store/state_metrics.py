"""What the database and Redis hold, read once per scrape of /metrics.

Every web process reads the same rows and keys, so any of them answers a scrape
with the whole installation's figures, and nothing is kept between scrapes. A
database or Redis that cannot be read leaves its figures out, and
`smsbridge_state_read_ok` says which.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job
from rq.utils import utcparse
from rq.worker_registration import WORKERS_BY_QUEUE_KEY
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from store.models import (
    Account,
    Delivery,
    Event,
    Follow,
    HeldPost,
    InboundMessage,
    OptOut,
    OutboundMessage,
    Post,
    utcnow,
)

log = logging.getLogger(__name__)
DAY_SECONDS = 86400


class StateCollector(Collector):
    """A prometheus-client collector of the installation's state, from its database and Redis."""

    def __init__(self, engine: Engine, queue: Queue) -> None:
        self.engine = engine
        self.queue = queue

    def collect(self) -> Iterator[Metric]:
        """Yield the database's figures, then the queue's; each source's success last."""
        read_ok = GaugeMetricFamily(
            "smsbridge_state_read_ok",
            "1 if this scrape read the source (database, redis), else 0.",
            labels=["source"],
        )
        now = utcnow()
        database: list[Metric] = []
        queue: list[Metric] = []
        try:
            with self.engine.connect() as connection:
                database = list(database_metrics(connection, now))
        except SQLAlchemyError as exc:  # read_ok says so; the scrape answers with the rest
            log.warning("metrics: the database could not be read (%s)", type(exc).__name__)
        try:
            queue = list(queue_metrics(self.queue, now))
        except RedisError as exc:
            log.warning("metrics: Redis could not be read (%s)", type(exc).__name__)
        read_ok.add_metric(["database"], 1 if database else 0)
        read_ok.add_metric(["redis"], 1 if queue else 0)
        yield from database
        yield from queue
        yield read_ok


def database_metrics(connection: Connection, now: datetime) -> Iterator[Metric]:
    """Yield the rows' figures: texts, posts, deliveries, people's consent, accounts, events."""
    yield grouped(
        "smsbridge_texts_in",
        "Texts received, by status (received, handled, ignored, failed).",
        ["status"],
        connection.execute(
            select(InboundMessage.status, func.count()).group_by(InboundMessage.status)
        ).all(),
    )
    last = connection.scalar(
        select(InboundMessage.received_at).order_by(InboundMessage.id.desc()).limit(1)
    )
    yield GaugeMetricFamily(
        "smsbridge_last_text_in_timestamp_seconds",
        "When the latest text was received, in Unix time (0: none yet).",
        value=last.timestamp() if last else 0,
    )
    yield grouped(
        "smsbridge_texts_out",
        "Texts sent or to send, by status (Twilio's, or outbox, opted_out ...) and kind.",
        ["status", "kind"],
        connection.execute(
            select(OutboundMessage.status, OutboundMessage.kind, func.count()).group_by(
                OutboundMessage.status, OutboundMessage.kind
            )
        ).all(),
    )
    # Posts are never deleted (UNDO marks them), so their number only grows: a counter.
    yield CounterMetricFamily(
        "smsbridge_posts",
        "Posts made from texts.",
        value=connection.scalar(select(func.count()).select_from(Post)) or 0,
    )
    yield grouped(
        "smsbridge_deliveries",
        "Posts on accounts, by platform, status (queued, published, failed, deleted) "
        "and a failure's kind of error.",
        ["platform", "status", "error_kind"],
        connection.execute(
            select(Account.platform, Delivery.status, Delivery.error_kind, func.count())
            .join(Account, Delivery.account_id == Account.id)
            .group_by(Account.platform, Delivery.status, Delivery.error_kind)
        ).all(),
    )
    yield grouped(
        "smsbridge_held_posts",
        "Posts the confidentiality check held, by status (held, posted, dropped, expired).",
        ["status"],
        connection.execute(select(HeldPost.status, func.count()).group_by(HeldPost.status)).all(),
    )
    yield GaugeMetricFamily(
        "smsbridge_opt_outs",
        "Numbers that texted STOP (or Twilio reports opted out).",
        value=connection.scalar(select(func.count()).select_from(OptOut)) or 0,
    )
    yield grouped(
        "smsbridge_follows",
        "Phones following events by text, by level (notices, digest, all) and status.",
        ["level", "status"],
        connection.execute(
            select(Follow.level, Follow.status, func.count()).group_by(Follow.level, Follow.status)
        ).all(),
    )
    yield grouped(
        "smsbridge_accounts",
        "Linked accounts, by platform and status (active, needs_relink).",
        ["platform", "status"],
        connection.execute(
            select(Account.platform, Account.status, func.count()).group_by(
                Account.platform, Account.status
            )
        ).all(),
    )
    expiry = GaugeMetricFamily(
        "smsbridge_token_expires_in_days",
        "Days until the platform's first active account's token expires (below 0: expired).",
        labels=["platform"],
    )
    for platform, expires_at in connection.execute(
        select(Account.platform, func.min(Account.token_expires_at))
        .where(Account.status == "active", Account.token_expires_at.is_not(None))
        .group_by(Account.platform)
    ).all():
        if expires_at is not None:
            expiry.add_metric([platform], (expires_at - now).total_seconds() / DAY_SECONDS)
    yield expiry
    yield GaugeMetricFamily(
        "smsbridge_events_running",
        "Events whose time window includes now.",
        value=connection.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.starts_at <= now, Event.ends_at > now)
        )
        or 0,
    )


def queue_metrics(queue: Queue, now: datetime) -> Iterator[Metric]:
    """Yield the queue's figures from Redis: jobs by state, the oldest waiting, workers."""
    registries = {
        "scheduled": queue.scheduled_job_registry.key,
        "started": queue.started_job_registry.key,
        "deferred": queue.deferred_job_registry.key,
        "failed": queue.failed_job_registry.key,
    }
    pipe = queue.connection.pipeline(transaction=False)
    pipe.llen(queue.key)
    for key in registries.values():
        pipe.zcard(key)
    pipe.scard(WORKERS_BY_QUEUE_KEY % queue.name)
    pipe.lindex(queue.key, 0)  # RQ takes jobs from the head: the oldest waiting one
    waiting, *in_registries, workers, oldest_id = pipe.execute()

    jobs = GaugeMetricFamily(
        "smsbridge_queue_jobs",
        "RQ jobs, by state (queued: waiting for a worker; scheduled: a retry's backoff).",
        labels=["state"],
    )
    jobs.add_metric(["queued"], waiting)
    for state, count in zip(registries, in_registries, strict=True):
        jobs.add_metric([state], count)
    yield jobs
    yield GaugeMetricFamily(
        "smsbridge_queue_oldest_job_age_seconds",
        "How long the oldest job waiting for a worker has waited (0: none waits).",
        value=oldest_age(queue, oldest_id, now),
    )
    yield GaugeMetricFamily(
        "smsbridge_workers", "RQ workers registered on the queue.", value=workers
    )


def oldest_age(queue: Queue, job_id: bytes | None, now: datetime) -> float:
    """Seconds since the job was enqueued; 0 if there is none, or it is gone already."""
    if job_id is None:
        return 0.0
    enqueued = queue.connection.hget(Job.key_for(job_id.decode()), "enqueued_at")
    if not isinstance(enqueued, bytes):  # none: the job was taken since, or expired
        return 0.0
    return max(0.0, (now - utcparse(enqueued.decode())).total_seconds())


def grouped(
    name: str, documentation: str, labels: list[str], rows: Sequence[Sequence[Any]]
) -> GaugeMetricFamily:
    """A gauge with one sample per row: the labels' values, then the count (None as "")."""
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for *values, count in rows:
        family.add_metric(["" if value is None else str(value) for value in values], count)
    return family
