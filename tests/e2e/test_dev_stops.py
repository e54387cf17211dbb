"""`make run` (smsbridge dev) stops every process it started on SIGTERM, under load."""

from __future__ import annotations

import os
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from config import load_settings
from gateway.signed_webhooks import inbound_params, post_signed
from tests.conftest import BIN, free_port, wait_until

pytestmark = pytest.mark.e2e

TEXTS = 40


def ours(var_dir: Path) -> list[int]:
    """The processes whose environment or command line names this run's var folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            seen = (entry / "environ").read_bytes() + (entry / "cmdline").read_bytes()
        except OSError:  # ended meanwhile, or not ours to read
            continue
        if str(var_dir).encode() in seen:
            found.append(int(entry.name))
    return found


def test_sigterm_under_load_leaves_no_process_of_ours(tmp_path: Path) -> None:
    var_dir = tmp_path / "var"
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DATABASE_URL", "TEST_DATABASE_URL", "PUBLIC_URL")
    }
    env.update(SMSBRIDGE_ENV="development", SMSBRIDGE_VAR=str(var_dir), PORT=str(port))
    runner = subprocess.Popen(
        [str(BIN / "smsbridge"), "dev", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:

        def answers() -> bool:
            """make run's web server answers"""
            try:
                return requests.get(f"{url}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_until(answers, timeout=90)
        settings = load_settings(env)
        texts = [inbound_params(settings, "+64211234567", f"Load {n}") for n in range(TEXTS)]
        with ThreadPoolExecutor(8) as pool:
            sent = list(
                pool.map(
                    lambda p: post_signed(f"{url}/sms/inbound", p, settings.twilio_auth_token),
                    texts,
                )
            )
        assert [answer.status_code for answer in sent] == [200] * TEXTS
        assert len(ours(var_dir)) >= 5  # the runner, Redis, gunicorn and its workers, the pool…

        runner.send_signal(signal.SIGTERM)  # as systemd or Ctrl-C's terminal would
        runner.wait(timeout=120)
        wait_until(lambda: not ours(var_dir), timeout=10)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()
    assert ours(var_dir) == []
