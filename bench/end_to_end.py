"""Benchmark: texts per second end to end, through the processes the Procfile runs.

gunicorn serves the app, `rq worker` processes do the jobs, a Redis server and a
database hold the rest. Texts are fired as fast as the webhook takes them, each
from one of many people with a local-timeline account (or, with --latency-ms, an
account on a local Mastodon peer that answers every call that late, as real
platforms take hundreds of milliseconds); a text is done when its reply is in
the outbox. The bench then checks that every text made exactly one
post, one published delivery, one timeline entry (or status on the peer) and one reply.

    python -m bench.end_to_end [--texts N] [--workers 1,2,4] [--runs 3] [--latency-ms 300]

On embedded defaults it runs its own redis-server and a SQLite file in a
temporary folder. With BENCH_DATABASE_URL (a PostgreSQL server URL: the bench
creates and drops a database of its own there) and BENCH_REDIS_URL (a Redis
database the bench FLUSHES), it runs there instead.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import requests
from cryptography.fernet import Fernet
from redis import Redis
from sqlalchemy import create_engine, func, select, text
from twilio.request_validator import RequestValidator

from config import load_settings
from gateway.cli.dev import web_command, worker_command
from store.db import make_engine, make_sessions, transaction
from store.migrate import upgrade
from store.models import Account, Delivery, OutboundMessage, Person, Post, TimelineEntry, utcnow
from tests.peers.mastodon import MastodonPeer

BIN = Path(sys.executable).parent
RESULTS = Path(__file__).parent / "results"
AUTH_TOKEN = "bench-auth-token"
PEOPLE = 200
SENDERS = 16  # concurrent webhook posts, as Twilio's many connections would be


@dataclass
class Run:
    """One end-to-end run's figures."""

    backend: str
    workers: int
    worker_class: str
    texts: int
    seconds: float
    texts_per_second: float
    webhook_seconds: float
    rss_mb: dict[str, float]
    cpu_ms_per_text: dict[str, float]  # web, workers and the bench's own load generator


def main() -> None:
    """Run the end-to-end bench for each worker count and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--worker-class", default="")
    parser.add_argument("--runs", type=int, default=3, help="runs per count; the median is shown")
    parser.add_argument(
        "--latency-ms",
        type=int,
        default=0,
        help="post to a local Mastodon peer answering after this long, not the local timeline",
    )
    args = parser.parse_args()
    runs = [
        median_run(
            [
                run_once(args.texts, int(count), args.worker_class, args.latency_ms)
                for _ in range(args.runs)
            ]
        )
        for count in args.workers.split(",")
    ]
    print_table(runs)
    save(runs)


def median_run(runs: list[Run]) -> Run:
    """Return the run with the median rate."""
    return sorted(runs, key=lambda run: run.texts_per_second)[len(runs) // 2]


def run_once(texts: int, workers: int, worker_class: str, latency_ms: int = 0) -> Run:
    """Start a fresh stack with `workers` workers, fire `texts` texts, await every reply.

    With latency_ms, accounts are on a Mastodon peer that answers every call that late.
    """
    with ExitStack() as stack:
        peer = None
        if latency_ms:
            peer = stack.enter_context(
                MastodonPeer(latency_seconds=latency_ms / 1000, rate_limit=10**9)
            )
        site = stack.enter_context(installation())
        folder, env, backend = site.folder, site.env, site.backend
        database_url, redis_url = env["DATABASE_URL"], env["REDIS_URL"]
        settings = load_settings(env)
        phones = seed_people(database_url, env["TOKEN_KEY"], peer)
        web = stack.enter_context(running(web_command(str(site.port)), env, folder / "web.log"))
        wait_for(f"{settings.public_url}/healthz")
        command = worker_command(redis_url, settings.queue_name, workers)
        if worker_class:
            command[command.index("--worker-class") + 1] = worker_class
        pool = stack.enter_context(running(command, env, folder / "workers.log"))

        cpu_before = [cpu_seconds(web.pid), cpu_seconds(pool.pid), own_cpu_seconds()]
        started = time.perf_counter()
        webhook_seconds = fire(settings.public_url, phones, texts)
        seconds = await_replies(database_url, texts, started) - started
        cpu_after = [cpu_seconds(web.pid), cpu_seconds(pool.pid), own_cpu_seconds()]
        check_counts(database_url, texts, peer)
        cpu_ms = {
            name: round((after - before) * 1000 / texts, 1)
            for name, before, after in zip(
                ("web", "workers", "bench"), cpu_before, cpu_after, strict=True
            )
        }
        rss = {
            "web": rss_mb(web.pid),
            "workers": rss_mb(pool.pid),
        }
        return Run(
            backend=backend + (f", Mastodon peer at {latency_ms} ms" if latency_ms else ""),
            workers=workers,
            worker_class=worker_class or "default",
            texts=texts,
            seconds=round(seconds, 2),
            texts_per_second=round(texts / seconds, 1),
            webhook_seconds=round(webhook_seconds, 2),
            rss_mb=rss,
            cpu_ms_per_text=cpu_ms,
        )


@dataclass(frozen=True)
class Installation:
    """A fresh, migrated installation for one bench run."""

    folder: Path
    env: dict[str, str]  # the processes' environment
    backend: str  # the database and Redis it runs on, in words
    port: int  # where its web server is to listen: PUBLIC_URL's port


@contextmanager
def installation() -> Iterator[Installation]:
    """Set up a migrated installation in a temporary folder, for the length of the block.

    Its own Redis and database (or the BENCH_ ones), a free port for PUBLIC_URL, and
    limits lifted that would refuse a bench's load (posts an hour, mention reads).
    """
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        redis_url = stack.enter_context(redis_database(folder))
        database_url, backend = stack.enter_context(database(folder))
        upgrade(database_url)
        port = free_port()
        env = {
            **os.environ,
            "SMSBRIDGE_VAR": str(folder),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "TOKEN_KEY": Fernet.generate_key().decode(),
            "SECRET_KEY": uuid.uuid4().hex,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "POSTS_PER_HOUR": "1000000",
            "MENTIONS_EVERY_SECONDS": "3600",
        }
        yield Installation(folder, env, backend, port)


@contextmanager
def redis_database(folder: Path) -> Iterator[str]:
    """Yield a Redis URL: BENCH_REDIS_URL flushed, or a redis-server of the bench's own."""
    given = os.environ.get("BENCH_REDIS_URL")
    if given:
        Redis.from_url(given).flushdb()
        yield given
        return
    socket_path = folder / "redis.sock"
    server = subprocess.Popen(
        [
            *(str(BIN / "redis-server"), "--port", "0", "--unixsocket", str(socket_path)),
            *("--save", "", "--appendonly", "no", "--dir", str(folder)),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        url = f"unix://{socket_path}"
        deadline = time.monotonic() + 10
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        Redis.from_url(url).ping()
        yield url
    finally:
        server.terminate()
        server.wait()


@contextmanager
def database(folder: Path) -> Iterator[tuple[str, str]]:
    """Yield a database URL and its name: a new PostgreSQL database, or a SQLite file."""
    server = os.environ.get("BENCH_DATABASE_URL")
    if not server:
        yield f"sqlite:///{folder / 'bench.db'}", "embedded (SQLite + redis-server)"
        return
    name = f"smsbridge_bench_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}", "PostgreSQL + Redis server"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def seed_people(database_url: str, token_key: str, peer: MastodonPeer | None) -> list[str]:
    """Add PEOPLE confirmed people, each with one account; return their phones.

    The account is on the local timeline, or on the Mastodon peer when there is one.
    """
    from store.secrets_box import SecretsBox

    engine = make_engine(database_url)
    box = SecretsBox(token_key)
    if peer is None:
        platform, sealed = "local", box.seal({})
    else:
        credentials = {"instance": peer.url, "access_token": peer.access_token}
        platform, sealed = "mastodon", box.seal(credentials)
    phones = [f"+6421{n:07d}" for n in range(PEOPLE)]
    with transaction(make_sessions(engine)) as session:
        for n, phone in enumerate(phones):
            person = Person(phone=phone, name=f"Person {n}", phone_confirmed_at=utcnow())
            session.add(person)
            session.flush()
            session.add(
                Account(person_id=person.id, platform=platform, handle=f"p{n}", credentials=sealed)
            )
    engine.dispose()
    return phones


@contextmanager
def running(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a process for the length of the block, logging to a file."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(url: str) -> None:
    """Wait until the web server answers."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"nothing answered at {url} within 30 s")


def fire(public_url: str, phones: list[str], texts: int) -> float:
    """Post `texts` signed webhooks from SENDERS threads; return the seconds it took."""
    url = f"{public_url}/sms/inbound"
    validator = RequestValidator(AUTH_TOKEN)
    forms = [
        {
            "MessageSid": f"SM{uuid.uuid4().hex}",
            "AccountSid": f"AC{'0' * 32}",
            "From": phones[n % len(phones)],
            "To": "+15005550006",
            "Body": f"Bench post {n} from the keynote",
        }
        for n in range(texts)
    ]
    own = threading.local()  # a keep-alive session per sending thread

    def post(form: dict[str, str]) -> int:
        if not hasattr(own, "session"):
            own.session = requests.Session()
        session: requests.Session = own.session
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
        return session.post(url, data=form, headers=headers, timeout=30).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(SENDERS) as pool:
        statuses = list(pool.map(post, forms))
    elapsed = time.perf_counter() - started
    refused = [s for s in statuses if s != 200]
    if refused:
        raise SystemExit(f"{len(refused)} webhooks were refused: {sorted(set(refused))}")
    return elapsed


def await_replies(database_url: str, texts: int, started: float, timeout: float = 900) -> float:
    """Wait until every text's reply is in the outbox; return when (perf_counter)."""
    engine = make_engine(database_url)
    query = select(func.count()).where(OutboundMessage.kind == "post_reply")
    try:
        while time.perf_counter() - started < timeout:
            with engine.connect() as connection:
                if connection.execute(query).scalar_one() >= texts:
                    return time.perf_counter()
            time.sleep(0.05)
    finally:
        engine.dispose()
    raise SystemExit(f"not every reply arrived within {timeout:.0f} s")


def check_counts(database_url: str, texts: int, peer: MastodonPeer | None) -> None:
    """Fail unless each text made one post, one published delivery, one entry, one reply."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        counts = {
            "posts": connection.execute(select(func.count()).select_from(Post)).scalar_one(),
            "published": connection.execute(
                select(func.count()).where(Delivery.status == "published")
            ).scalar_one(),
            "replies": connection.execute(
                select(func.count()).where(OutboundMessage.kind == "post_reply")
            ).scalar_one(),
        }
        if peer is None:
            counts["timeline entries"] = connection.execute(
                select(func.count()).select_from(TimelineEntry)
            ).scalar_one()
        else:
            counts["statuses on the peer"] = len(peer.statuses)
    engine.dispose()
    wrong = {name: count for name, count in counts.items() if count != texts}
    if wrong:
        raise SystemExit(f"expected {texts} of each, found {wrong}")


def process_tree(pid: int) -> list[int]:
    """Return a process and all its descendants that are alive, from /proc."""
    found, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        found.append(current)
        waiting.extend(int(child) for child in children)
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, in MB."""
    total_kb = 0
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        line = next(line for line in status.splitlines() if line.startswith("VmRSS"))
        total_kb += int(line.split()[1])
    return round(total_kb / 1024, 1)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its live descendants."""
    ticks = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU time this bench process (the load generator) has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def print_table(runs: list[Run]) -> None:
    """Print one line per run."""
    print(
        f"{'backend':34} {'workers':>7} {'class':>12} {'texts':>6} {'texts/s':>8} "
        f"{'RSS MB web+workers':>19} {'CPU ms/text web+workers+bench':>30}"
    )
    for run in runs:
        rss = f"{run.rss_mb['web']:.0f}+{run.rss_mb['workers']:.0f}"
        cpu = "+".join(f"{run.cpu_ms_per_text[name]:.1f}" for name in ("web", "workers", "bench"))
        print(
            f"{run.backend:34} {run.workers:>7} {run.worker_class[-12:]:>12} {run.texts:>6} "
            f"{run.texts_per_second:>8.1f} {rss:>19} {cpu:>30}"
        )


def save(runs: list[Run]) -> None:
    """Write the figures to bench/results/ as JSON, named by time."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"end_to_end-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps([asdict(run) for run in runs], indent=2) + "\n")
    print(f"figures written to {path}")


if __name__ == "__main__":
    main()
