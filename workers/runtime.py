"""What a worker process needs, built once per process from the settings."""

from __future__ import annotations

import atexit
import os
from contextlib import suppress
from dataclasses import dataclass

import requests
from redis import Redis
from redis.exceptions import RedisError
from requests.adapters import HTTPAdapter
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioClient

from config import Settings, load_settings
from store.db import make_engine, make_sessions
from store.queueing import make_queue
from store.secrets_box import SecretsBox
from workers.platforms import ConnectorContext
from workers.texts_out.sms_senders import OutboxSender, SmsSender, TwilioSender

TWILIO_TIMEOUT_SECONDS = 15
CACHE_PREFIX = "smsbridge:cache:"
LOCK_SECONDS = 60  # longest a connector may hold a shared lock (a token refresh)


@dataclass
class Runtime:
    """Sessions, queue, cipher, SMS sender and connector context for the jobs."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    queue: Queue
    secrets: SecretsBox
    sms: SmsSender
    connectors: ConnectorContext

    def close(self) -> None:
        """Close the database pool, the Redis connections and the HTTP session."""
        self.engine.dispose()
        self.queue.connection.close()
        self.connectors.http.close()


class RedisCache:
    """The connectors' shared cache in Redis; a Redis failure is a miss, never an error."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    def get(self, name: str) -> str | None:
        """Return the cached value, or None if absent, expired or unreadable."""
        try:
            value = self._redis.get(f"{CACHE_PREFIX}{name}")
        except RedisError:
            return None  # the connector asks the platform instead
        return value.decode() if isinstance(value, bytes) else None

    def set(self, name: str, value: str, ttl_seconds: int) -> None:
        """Store the value for a while; if Redis cannot, the next call asks the platform."""
        with suppress(RedisError):
            self._redis.set(f"{CACHE_PREFIX}{name}", value, ex=ttl_seconds)


def build_runtime(
    settings: Settings, sms: SmsSender | None = None, http: requests.Session | None = None
) -> Runtime:
    """Build a runtime; tests pass their own SMS sender or HTTP session here."""
    # Every job thread may hold a database connection and an HTTP connection at once.
    engine = make_engine(settings.database_url, pool_size=max(5, settings.worker_threads))
    sessions = make_sessions(engine)
    queue = make_queue(settings)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        queue=queue,
        secrets=SecretsBox(settings.token_key),
        sms=sms or default_sms_sender(settings),
        connectors=ConnectorContext(
            sessions=sessions,
            public_url=settings.public_url,
            http=http or http_session(settings.worker_threads),
            lock=lambda name: queue.connection.lock(
                f"smsbridge:lock:{name}", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS
            ),
            cache=RedisCache(queue.connection),
        ),
    )


def http_session(threads: int) -> requests.Session:
    """Return the connectors' shared HTTP session, with a connection per thread per host."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_maxsize=max(10, threads))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def default_sms_sender(settings: Settings) -> SmsSender:
    """Send through Twilio when an account is configured, else into the outbox."""
    if not settings.uses_twilio:
        return OutboxSender()
    # A timeout, so a hung connection to Twilio cannot hold a worker until RQ kills the job.
    client = TwilioClient(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        http_client=TwilioHttpClient(timeout=TWILIO_TIMEOUT_SECONDS),
    )
    return TwilioSender(
        client,
        from_=settings.twilio_from,
        messaging_service_sid=settings.twilio_messaging_service_sid,
        status_callback=f"{settings.public_url}/sms/status",
    )


_built: dict[tuple[int, Settings], Runtime] = {}


@atexit.register
def _close_built() -> None:
    """Close the runtime this process built, so its connections end cleanly."""
    for (pid, _settings), runtime in _built.items():
        if pid == os.getpid():  # a forked child must not close its parent's pools
            runtime.close()
    _built.clear()


def current() -> Runtime:
    """Return the runtime for this process and its settings, building it on first use.

    Keyed by process id, because a forked job must not share its parent's
    database connections, and by settings, which are read afresh each time.
    """
    key = (os.getpid(), load_settings())
    if key not in _built:
        for stale in _built.values():
            stale.close()
        _built.clear()
        _built[key] = build_runtime(key[1])
    return _built[key]
