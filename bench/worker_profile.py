"""Profile: where a worker's CPU goes for one text, by library, so the limit can be seen.

Stores TEXTS texts through the webhook (Flask's test client: the webhook is not
what is profiled here), then runs every job they make in this one process under
cProfile, with RQ's SimpleWorker and the real jobs, and prints CPU milliseconds
per text by the library the time was spent in, and our own slowest functions.

    python -m bench.worker_profile [--texts N] [--mastodon]

With --mastodon, the accounts are on the Mastodon peer from tests/peers/ (answering
at once: this counts CPU, not waiting), as in the end-to-end bench's slow runs.

cProfile roughly doubles the time of Python-heavy code, so read the split, not
the total; the end-to-end bench gives the real CPU per text.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import os
import pstats
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

from rq import SimpleWorker
from twilio.request_validator import RequestValidator

from bench.end_to_end import AUTH_TOKEN, RESULTS, installation, seed_people
from config import load_settings
from gateway import create_app
from store.queueing import make_queue
from tests.peers.mastodon import MastodonPeer

SITE_PACKAGES = "site-packages/"
OURS = ("workers", "store", "gateway", "config")


def main() -> None:
    """Store the texts, profile the worker doing their jobs, print the split."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=300)
    parser.add_argument("--mastodon", action="store_true", help="accounts on a Mastodon peer")
    args = parser.parse_args()
    with ExitStack() as stack:
        peer = stack.enter_context(MastodonPeer(rate_limit=10**9)) if args.mastodon else None
        site = stack.enter_context(installation())
        os.environ.update(site.env)  # the jobs build their runtime from the environment
        phones = seed_people(site.env["DATABASE_URL"], site.env["TOKEN_KEY"], peer)
        store_texts(phones, args.texts)
        import workers.worker  # noqa: F401  (imported before profiling, as the pool does)

        queue = make_queue(load_settings())
        worker = SimpleWorker([queue], connection=queue.connection, serializer=queue.serializer)
        logging.getLogger("rq.worker").setLevel(logging.WARNING)  # a line a job otherwise
        profile = cProfile.Profile()
        cpu_started = time.process_time()
        profile.enable()
        worker.work(burst=True)
        profile.disable()
        cpu_ms = (time.process_time() - cpu_started) * 1000 / args.texts
    split = by_library(pstats.Stats(profile), args.texts)
    platform = "mastodon" if args.mastodon else "local"
    print(f"worker CPU under cProfile, {platform} accounts: {cpu_ms:.1f} ms a text; by library:")
    for name, ms in split.items():
        print(f"  {ms:6.2f} ms  {ms / sum(split.values()):5.1%}  {name}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"worker_profile-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(
        json.dumps({"platform": platform, "cpu_ms_per_text": round(cpu_ms, 2), "split_ms": split})
        + "\n"
    )
    print(f"figures written to {path}")


def store_texts(phones: list[str], texts: int) -> None:
    """Post signed texts to the webhook, one per person in turn."""
    settings = load_settings()
    validator = RequestValidator(AUTH_TOKEN)
    url = f"{settings.public_url}/sms/inbound"
    client = create_app(settings).test_client()
    for n in range(texts):
        form = {
            "MessageSid": f"SM{n:032x}",
            "AccountSid": f"AC{'0' * 32}",
            "From": phones[n % len(phones)],
            "To": "+15005550006",
            "Body": f"Profiled post {n} from the keynote",
        }
        headers = {"X-Twilio-Signature": validator.compute_signature(url, form)}
        response = client.post("/sms/inbound", data=form, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"the webhook refused a text: {response.status_code}")


def by_library(stats: pstats.Stats, texts: int) -> dict[str, float]:
    """Sum each function's own time by the library it is in, in ms a text, largest first."""
    totals: Counter[str] = Counter()
    for (filename, _line, _name), row in stats.stats.items():  # type: ignore[attr-defined]
        totals[library(filename)] += row[2]  # tottime
    return {name: round(seconds * 1000 / texts, 2) for name, seconds in totals.most_common(10)}


def library(filename: str) -> str:
    """Name what a file belongs to: a package, our code, or C calls and the standard library."""
    if SITE_PACKAGES in filename:
        return filename.split(SITE_PACKAGES, 1)[1].split("/", 1)[0]
    parts = Path(filename).parts
    if any(part in OURS for part in parts) and "python3" not in filename:
        return "ours (smsbridge)"
    if filename == "~":
        return "C calls (sqlite3, sockets, builtins)"
    return "standard library"


if __name__ == "__main__":
    main()
