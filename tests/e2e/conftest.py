"""The real processes: gunicorn serving the app and an `rq worker`, on a real Redis."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from config import Settings, load_settings
from gateway.cli.dev import web_command, worker_command
from gateway.signed_webhooks import inbound_params, post_signed
from store.models import OutboundMessage
from tests.conftest import AUTH_TOKEN, BIN, free_port, wait_until
from tests.factories import PHONE
from workers.runtime import Runtime

# RQ notices a dead worker's job when its heartbeat lapses (about 90 s), and a
# new worker takes over the dead one's scheduler at its next maintenance (60 s).
RECOVERY_SECONDS = 300


@dataclass
class Stack:
    """A running web server and worker, and the settings they share."""

    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return load_settings(self.env)

    @property
    def url(self) -> str:
        return self.env["PUBLIC_URL"]

    def _spawn(self, name: str, args: list[str]) -> None:
        with open(self.log_dir / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(
                args,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_web(self) -> None:
        port = self.url.rsplit(":", 1)[1]
        self._spawn("web", web_command(port))
        wait_until(self._answers, timeout=20)

    def _answers(self) -> bool:
        """the web server answers /healthz"""
        try:
            return requests.get(f"{self.url}/healthz", timeout=2).status_code in (200, 503)
        except requests.RequestException:  # not listening yet, or still booting workers
            return False

    def start_worker(self, name: str = "worker") -> None:
        self._spawn(name, worker_command(self.env["REDIS_URL"], self.settings.queue_name))

    def kill_worker(self, name: str = "worker") -> None:
        """Kill the worker pool and every process it started (workers, schedulers) at once."""
        process = self.processes[name]
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the group is all of it
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for name, process in self.processes.items():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                print(f"{name} did not stop within 10 s of SIGTERM and was killed")

    def send(self, sender: str, body: str, sid: str | None = None) -> requests.Response:
        """Send a correctly signed inbound webhook, as Twilio would."""
        params = inbound_params(self.settings, sender, body)
        if sid:
            params["MessageSid"] = sid
        return post_signed(f"{self.url}/sms/inbound", params, AUTH_TOKEN)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-4000:]}" for p in self.log_dir.iterdir())


def make_stack(env: dict[str, str], tmp_path: Path) -> Stack:
    """Return a stack on a free port, not yet started."""
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    return Stack(env={**env, "PUBLIC_URL": f"http://127.0.0.1:{free_port()}"}, log_dir=log_dir)


def kill_the_worker_midway(
    stack: Stack, rt: Runtime, text: str | Callable[[], object], kill_when: Callable[[], object]
) -> None:
    """Text (a body, or a call that texts), SIGKILL the worker once `kill_when()` holds,
    start another, await the reply.

    Starts the stack and stops it before returning; prints its logs if anything fails.
    """
    try:
        stack.start_web()
        stack.start_worker()
        if callable(text):
            text()
        else:
            assert stack.send(PHONE, text).status_code == 200
        wait_until(kill_when, timeout=30)

        stack.kill_worker()
        stack.start_worker("worker-2")
        wait_until(lambda: post_replies(rt), timeout=RECOVERY_SECONDS)
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.stop()


def simulate(stack: Stack, *args: str) -> str:
    """Run `smsbridge simulate` against the stack; return what it printed."""
    result = subprocess.run(
        [str(BIN / "smsbridge"), "simulate", "--from", PHONE, *args],
        env={**os.environ, **stack.env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr + stack.logs()
    return result.stdout


def post_replies(rt: Runtime) -> list[str]:
    """The bodies of the post replies queued so far."""
    with rt.sessions() as session:
        return list(
            session.scalars(
                select(OutboundMessage.body).where(OutboundMessage.kind == "post_reply")
            )
        )


@pytest.fixture
def stack(env: dict[str, str], clean_state: None, tmp_path: Path) -> Iterator[Stack]:
    """The web server and a worker, running on the session's Redis and database."""
    running = make_stack(env, tmp_path)
    try:
        running.start_web()
        running.start_worker()
        yield running
    finally:
        running.stop()
