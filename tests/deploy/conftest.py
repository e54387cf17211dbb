"""gunicorn and a worker pool started as the systemd units start them, for a proxy to front.

Each proxy test (nginx, Caddy) starts its proxy on a free port and the stack behind
it, with PUBLIC_URL the proxy's URL: Twilio signs the URL it calls.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import requests

from gateway import gunicorn_conf
from gateway.signed_webhooks import inbound_params, post_signed
from tests.conftest import AUTH_TOKEN, wait_until
from tests.deploy.files import here, read_unit
from tests.e2e.conftest import Stack, make_stack

# Held connections of each kind in the slow-client tests: twice every thread
# gunicorn has, all of which would be waiting on them if they reached it.
SLOW = 2 * gunicorn_conf.workers * gunicorn_conf.threads
PROMPT = 5  # seconds an answer may take while they are held
# The beginnings of requests for the site's own host (a proxy answers others itself).
HALF_HEADERS = "POST /sms/inbound HTTP/1.1\r\nHost: {host}\r\nContent-Le"
HALF_BODY = (
    "POST /sms/inbound HTTP/1.1\r\nHost: {host}\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000\r\n\r\nBody=slo"
)


METRICS_TOKEN = "deploy-scrape-token-0123456789abcdef"


def fronted_stack(env: dict[str, str], tmp_path: Path, proxy_port: int, web_port: int) -> Stack:
    """Return a stack, not yet started, whose public URL is the proxy's."""
    stack = make_stack(env, tmp_path)
    # Standing in for /etc/smsbridge/env (or compose's .env).
    stack.env.update(
        PUBLIC_URL=f"http://127.0.0.1:{proxy_port}",
        PORT=str(web_port),
        WORKER_PROCESSES="1",
        METRICS_TOKEN=METRICS_TOKEN,
    )
    return stack


def start_units(stack: Stack) -> None:
    """Start web and a worker pool as their units do; wait until web answers through the proxy."""
    start_as_unit(stack, "web", "smsbridge-web.service")
    start_as_unit(stack, "worker", "smsbridge-worker@.service")
    wait_until(lambda: answers(f"{stack.url}/healthz"), timeout=30)


def start_as_unit(stack: Stack, name: str, unit_name: str) -> None:
    """Start what the unit's ExecStart starts, where and with the environment it says.

    As systemd does: the unit's Environment=, then its EnvironmentFile (the stack's
    settings) over it, and nothing inherited from the shell that runs the tests.
    """
    unit = read_unit(unit_name)
    environment = {name: here(value) for name, value in unit.environment.items()}
    start(
        stack,
        name,
        [here(word) for word in unit.exec_start],
        env={**environment, **stack.env},
        cwd=Path(here(unit.value("Service", "WorkingDirectory"))),
    )


def start(
    stack: Stack,
    name: str,
    args: list[str],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> None:
    """Start a process of the stack in its own session, its output in the stack's logs."""
    with open(stack.log_dir / f"{name}.log", "ab") as log:
        stack.processes[name] = subprocess.Popen(
            args,
            cwd=cwd or stack.log_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def listening(port: int) -> bool:
    """the proxy accepts connections"""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def answers(url: str) -> bool:
    """gunicorn answers through the proxy (not the proxy's 502 while it starts)"""
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def ready(stack: Stack) -> requests.Response | None:
    """/readyz answers 200 through the proxy: database, migrations, Redis and a worker"""
    answer = requests.get(f"{stack.url}/readyz", timeout=PROMPT)
    return answer if answer.status_code == 200 else None


def send_promptly(stack: Stack, sender: str, body: str) -> requests.Response:
    """Send a signed webhook that must be answered within PROMPT seconds."""
    params = inbound_params(stack.settings, sender, body)
    return post_signed(f"{stack.url}/sms/inbound", params, AUTH_TOKEN, timeout=PROMPT)


@contextmanager
def held_connections(url: str, count: int, beginning: str) -> Iterator[None]:
    """Hold connections open that have sent the beginning of a request, and never the rest."""
    where = urlsplit(url)
    first_bytes = beginning.format(host=where.netloc).encode()
    with ExitStack() as held:
        for _ in range(count):
            conn = held.enter_context(socket.create_connection((where.hostname, where.port)))
            conn.sendall(first_bytes)
        yield
