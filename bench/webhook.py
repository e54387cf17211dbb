"""Benchmark: the webhook under wrk, next to a bare Flask endpoint on the same gunicorn line.

Both are served by the command the Procfile uses (gunicorn, gateway/gunicorn_conf.py) and
sent unique, validly signed texts by wrk (installed with apt where missing):

- at saturation (wrk -t2 -c16), the rate of each and their ratio;
- at a steady rate (about 200 requests a second), the latency p50 and p99.

No worker runs, so what is measured is storing and enqueueing. The bench then
checks that every text answered 200 was stored once.

    python -m bench.webhook [--seconds N] [--rate R]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import time
import uuid
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bench.end_to_end import (
    AUTH_TOKEN,
    RESULTS,
    free_port,
    installation,
    rss_mb,
    running,
    wait_for,
)
from gateway.cli.dev import web_command
from store.db import make_engine
from store.models import InboundMessage

SCRIPT = Path(__file__).parent / "wrk" / "signed_texts.lua"
TEXTS = 40_000  # per run: more than wrk can send in one here, so none is sent twice
THREADS = 2
SATURATION_CONNECTIONS = 16
STEADY_CONNECTIONS = 10


@dataclass
class Load:
    """What wrk saw in one run."""

    requests: int
    seconds: float
    non2xx: int
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def main() -> None:
    """Measure both endpoints at saturation and ours at a steady rate; print and save."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rate", type=int, default=200)
    args = parser.parse_args()
    ensure_wrk()
    with ExitStack() as stack:
        site = stack.enter_context(installation())
        folder, env, backend = site.folder, site.env, site.backend
        database_url = env["DATABASE_URL"]
        ours_port, bare_port = site.port, free_port()
        ours = stack.enter_context(running(web_command(str(ours_port)), env, folder / "web.log"))
        bare_command = [*web_command(str(bare_port))[:-1], "bench.bare_app:app"]
        bare = stack.enter_context(running(bare_command, env, folder / "bare.log"))
        wait_for(f"http://127.0.0.1:{ours_port}/healthz")
        wait_for(f"http://127.0.0.1:{bare_port}/")

        saturating, steady_texts = folder / "saturation.tsv", folder / "steady.tsv"
        write_signed_texts(saturating, env["PUBLIC_URL"])
        write_signed_texts(steady_texts, env["PUBLIC_URL"])
        bare_load = wrk(bare_port, saturating, args.seconds, SATURATION_CONNECTIONS)
        ours_load = wrk(ours_port, saturating, args.seconds, SATURATION_CONNECTIONS)
        stored = count_stored(database_url)
        pause = max(int(STEADY_CONNECTIONS * 1000 / args.rate), 1)
        steady = wrk(ours_port, steady_texts, args.seconds, STEADY_CONNECTIONS, pause_ms=pause)
        stored_after = count_stored(database_url)
        rss = {"web": rss_mb(ours.pid), "bare": rss_mb(bare.pid)}

    check_stored(ours_load, stored, SATURATION_CONNECTIONS, "saturation")
    check_stored(steady, stored_after - stored, STEADY_CONNECTIONS, "steady rate")
    figures = {
        "backend": backend,
        "bare_per_second": round(bare_load.rate, 1),
        "ours_per_second": round(ours_load.rate, 1),
        "ratio": round(ours_load.rate / bare_load.rate, 3),
        "steady_per_second": round(steady.rate, 1),
        "steady_p50_ms": steady.p50_ms,
        "steady_p99_ms": steady.p99_ms,
        "saturation": {"bare": asdict(bare_load), "ours": asdict(ours_load)},
        "rss_mb": rss,
    }
    print(f"webhook on {backend}, gunicorn as the Procfile runs it, wrk -t{THREADS}:")
    print(
        f"  saturation (-c{SATURATION_CONNECTIONS}): bare Flask {bare_load.rate:.0f}/s, "
        f"ours {ours_load.rate:.0f}/s = {ours_load.rate / bare_load.rate:.2f}x"
    )
    print(
        f"  steady {steady.rate:.0f}/s (-c{STEADY_CONNECTIONS}, {pause} ms apart): "
        f"p50 {steady.p50_ms:.1f} ms, p99 {steady.p99_ms:.1f} ms"
    )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"webhook-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"figures written to {path}")


def ensure_wrk() -> None:
    """Install wrk from Debian's packages if it is missing."""
    if shutil.which("wrk"):
        return
    print("wrk is missing: apt-get install -y wrk")
    installed = subprocess.run(["apt-get", "install", "-y", "wrk"], check=False)
    if installed.returncode != 0 or not shutil.which("wrk"):
        raise SystemExit("could not install wrk (apt-get install -y wrk, as root)")


def write_signed_texts(path: Path, public_url: str) -> None:
    """Write TEXTS lines of signature, tab, form body: texts Twilio could have sent."""
    url = f"{public_url}/sms/inbound"
    validator = RequestValidator(AUTH_TOKEN)
    with path.open("w") as out:
        for n in range(TEXTS):
            form = {
                "MessageSid": f"SM{uuid.uuid4().hex}",
                "AccountSid": f"AC{'0' * 32}",
                "From": f"+6421{n % 1000:07d}",
                "To": "+15005550006",
                "Body": f"Bench text {n} from the keynote",
            }
            out.write(f"{validator.compute_signature(url, form)}\t{urlencode(form)}\n")


def wrk(port: int, texts: Path, seconds: int, connections: int, pause_ms: int = 0) -> Load:
    """Run wrk against one server with the given texts and return what it reports."""
    result = subprocess.run(
        [
            *("wrk", f"-t{THREADS}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"),
            *("-s", str(SCRIPT), f"http://127.0.0.1:{port}"),
            *("--", str(texts), str(THREADS), str(pause_ms)),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("BENCH "))
    return Load(**json.loads(line.removeprefix("BENCH ")))


def count_stored(database_url: str) -> int:
    """How many inbound texts are stored, once the server has finished what it was sent."""
    engine = make_engine(database_url)
    query = select(func.count()).select_from(InboundMessage)
    count = -1
    while True:  # requests wrk sent before it stopped may still be being stored
        with engine.connect() as connection:
            previous, count = count, connection.execute(query).scalar_one()
        if count == previous:
            break
        time.sleep(0.5)
    engine.dispose()
    return count


def check_stored(load: Load, stored: int, connections: int, run: str) -> None:
    """Fail unless every text answered 200 was stored, once."""
    answered = load.requests - load.non2xx - load.errors
    if load.requests + connections > TEXTS:
        raise SystemExit(f"{run}: wrk sent {load.requests} texts, near the {TEXTS} made")
    # Requests still in flight when wrk stops are stored but not counted: one a connection.
    if not answered <= stored <= load.requests + connections:
        raise SystemExit(f"{run}: {answered} answered 200 but {stored} stored")


if __name__ == "__main__":
    main()
