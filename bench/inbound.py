"""Benchmark: how fast the webhook stores and enqueues texts, and at what memory.

Runs the real app (test client, no network hop) on a SQLite file and a Redis
server of its own. `make bench` prints requests per second and peak RSS.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet
from redis import Redis
from twilio.request_validator import RequestValidator

from config import Settings, load_settings
from gateway import create_app
from gateway.services import services
from store.migrate import upgrade

TEXTS = 2000
PORT = 6399


def main() -> None:
    """Post TEXTS signed webhooks and report the rate."""
    with tempfile.TemporaryDirectory() as folder, redis_server(Path(folder)):
        run(Path(folder))


@contextmanager
def redis_server(folder: Path) -> Iterator[None]:
    """Run a Redis server of its own on PORT, keeping nothing on disk."""
    server = str(Path(sys.executable).parent / "redis-server")
    redis = subprocess.Popen(
        [server, "--port", str(PORT), "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        redis.terminate()
        redis.wait()


def bench_settings(folder: Path) -> Settings:
    """Settings on a fresh SQLite database in folder and the bench's Redis, migrated."""
    settings = load_settings(
        {
            "SMSBRIDGE_VAR": str(folder),
            "REDIS_URL": f"redis://127.0.0.1:{PORT}/0",
            "TOKEN_KEY": Fernet.generate_key().decode(),
            "TWILIO_AUTH_TOKEN": "bench",
        }
    )
    for _ in range(50):
        try:
            Redis.from_url(settings.redis_url).ping()
            break
        except Exception:
            time.sleep(0.1)
    upgrade(settings.database_url)
    return settings


def run(folder: Path) -> None:
    """Run the benchmark against a fresh database in folder."""
    settings = bench_settings(folder)
    app = create_app(settings)
    client = app.test_client()
    validator = RequestValidator("bench")
    url = settings.public_url + "/sms/inbound"
    started = time.perf_counter()
    for n in range(TEXTS):
        form = {
            "MessageSid": f"SM{n:032d}",
            "From": "+64211234567",
            "To": "+15005550006",
            "Body": f"bench text {n}",
        }
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
        assert client.post("/sms/inbound", data=form, headers=headers).status_code == 200
    elapsed = time.perf_counter() - started
    services(app).close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{TEXTS} inbound webhooks in {elapsed:.2f}s: {TEXTS / elapsed:.0f}/s, "
        f"{elapsed / TEXTS * 1000:.2f} ms each; peak RSS {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
