"""What one text costs: SQL statements, commits and Redis commands, pinned so they don't creep.

A text here is the whole of it: the webhook, then handle_inbound, which publishes
to one local-timeline account and hands the reply to the outbox itself. Redis is
counted by the server itself (INFO commandstats), so RQ's own commands count too.
TEXTS texts from as many people go through one worker run, and each figure is
their total divided by TEXTS, so the worker's start and stop weigh little.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from typing import Any

from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy import Engine, event, func, select

from config import Settings
from store.models import OutboundMessage, TimelineEntry
from tests.conftest import run_jobs
from tests.factories import add_person
from tests.gateway.test_sms_webhooks import FORM, signed
from workers.runtime import Runtime

TEXTS = 10
# Pinned at what a text costs now (SQLite's count includes its BEGIN IMMEDIATEs; on
# PostgreSQL it is 30); lower them when a change makes a text cheaper. Most Redis
# commands are RQ's own, about 65 a job; connecting adds one or two now and then; one
# is the reply's booking on the sender's clock (workers/texts_out/pacing.py).
STATEMENTS = 40
COMMITS = 10
REDIS_COMMANDS = 76


@dataclass
class Counts:
    """Round trips seen while a block ran."""

    statements: int = 0
    commits: int = 0
    redis_commands: int = 0


def redis_calls(redis: Redis) -> int:
    """Return how many commands the Redis server has run, by its own count."""
    stats: dict[str, Any] = redis.info("commandstats")
    return sum(int(entry["calls"]) for entry in stats.values())


@contextmanager
def counting(redis: Redis) -> Iterator[Counts]:
    """Count SQL statements and commits on every engine, and commands on Redis."""
    counts = Counts()

    def on_statement(*_: Any) -> None:
        counts.statements += 1

    def on_commit(*_: Any) -> None:
        counts.commits += 1

    # On the Engine class: the jobs use their process's own runtime and its engine.
    event.listen(Engine, "before_cursor_execute", on_statement)
    event.listen(Engine, "commit", on_commit)
    before = redis_calls(redis)
    try:
        yield counts
    finally:
        counts.redis_commands = redis_calls(redis) - before - 1  # not the INFO that reads it
        event.remove(Engine, "before_cursor_execute", on_statement)
        event.remove(Engine, "commit", on_commit)


def test_a_text_posted_and_answered_costs_no_more_than_pinned(
    client: FlaskClient, settings: Settings, rt: Runtime
) -> None:
    phones = [f"+6421555{n:04d}" for n in range(TEXTS)]
    for n, phone in enumerate(phones):
        add_person(rt, phone=phone, accounts=[("local", f"p{n}", {})])
    forms = [{**FORM, "MessageSid": f"SM{n:032x}", "From": phone} for n, phone in enumerate(phones)]

    with counting(rt.queue.connection) as counts:
        statuses = [
            client.post("/sms/inbound", data=form, headers=signed(settings, "/sms/inbound", form))
            for form in forms
        ]
        run_jobs(rt.queue)

    assert [response.status_code for response in statuses] == [200] * TEXTS
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).select_from(TimelineEntry)) == TEXTS
        replies = session.scalars(select(OutboundMessage.kind)).all()
    assert replies == ["post_reply"] * TEXTS
    per_text = Counts(*(-(-total // TEXTS) for total in astuple(counts)))
    print(f"one text: {per_text}")
    assert per_text.statements <= STATEMENTS, per_text
    assert per_text.commits <= COMMITS, per_text
    assert per_text.redis_commands <= REDIS_COMMANDS, per_text
