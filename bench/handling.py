"""Benchmark: how fast a worker handles texts: parse, checks, post or command, replies.

Runs workers.texts_in.inbound.process_inbound on a SQLite file and a Redis server of its own,
for a mix of what people send (posts, posts the confidentiality check holds,
commands), and reports texts per second and peak RSS. `make bench` runs it.
"""

from __future__ import annotations

import dataclasses
import resource
import tempfile
import time
from pathlib import Path

from bench.inbound import bench_settings, redis_server
from store.db import transaction
from store.models import Account, InboundMessage, Person, utcnow
from workers.runtime import build_runtime
from workers.texts_in.inbound import process_inbound

TEXTS = 1000
PHONE = "+64211234567"
# What a day at a conference looks like, in proportion.
MIX = [
    "Great keynote on kaupapa Maori practice, thank you all",
    "Panel on supervision: caseloads, burnout and peer support https://example.org/s",
    "Call the helpline on 0800 123 456 if you need to talk",  # held: a phone number
    "STATUS",
    "HELP",
    "X: Only for the X crowd today",
]


def main() -> None:
    """Handle TEXTS stored texts from one person and report the rate."""
    with tempfile.TemporaryDirectory() as folder, redis_server(Path(folder)):
        settings = bench_settings(Path(folder))
        rt = build_runtime(settings)
        with transaction(rt.sessions) as session:
            person = Person(phone=PHONE, name="Aroha", phone_confirmed_at=utcnow())
            session.add(person)
            session.flush()
            session.add(Account(person_id=person.id, platform="local", handle="aroha"))
        ids = []
        with transaction(rt.sessions) as session:
            for n in range(TEXTS):
                row = InboundMessage(
                    message_sid=f"SM{n:032d}",
                    from_phone=PHONE,
                    to_phone=settings.sms_number,
                    body=MIX[n % len(MIX)],
                )
                session.add(row)
                session.flush()
                ids.append(row.id)
        # The hourly post limit would refuse most of these: this measures handling, not it.
        rt.settings = dataclasses.replace(settings, posts_per_hour=TEXTS)
        started = time.perf_counter()
        for inbound_id in ids:
            process_inbound(rt, inbound_id)
        elapsed = time.perf_counter() - started
        rt.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{TEXTS} texts handled in {elapsed:.2f}s: {TEXTS / elapsed:.0f}/s, "
        f"{elapsed / TEXTS * 1000:.2f} ms each; peak RSS {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
