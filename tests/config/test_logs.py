"""Logs: JSON lines in production, scrubbed of phones and secrets, carrying each text's ids."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from flask.testing import FlaskClient
from rq import Queue
from rq.job import Job

from config import Settings
from config.logs import JsonLines, Scrubbed, scrub, text_context
from tests.factories import add_person
from tests.gateway.test_sms_webhooks import FORM, signed
from workers.runtime import Runtime


@pytest.mark.parametrize(
    ("said", "logged"),
    [
        ("text 4 stored from +64211234567", "text 4 stored from …567"),
        ("The 'To' number 0211234567 is not valid", "The 'To' number …567 is not valid"),
        (
            "text SM0123456789abcdef0123456789abcdef sent",
            "text SM0123456789abcdef0123456789abcdef sent",
        ),
        ("delivery 12345 published", "delivery 12345 published"),
        (
            "job 20437413-1656-4126-8ed1-e3194e3fcf70 done",
            "job 20437413-1656-4126-8ed1-e3194e3fcf70 done",
        ),
        ("GET /link?code=12345678&state=x", "GET /link?code=…&state=x"),
        ("refresh_token=abc.def-ghi refused", "refresh_token=… refused"),
        ("Authorization: Bearer eyJhbGciOi.JIUzI1NiJ9", "Authorization: Bearer …"),
    ],
)
def test_phones_and_secrets_are_scrubbed(said: str, logged: str) -> None:
    assert scrub(said) == logged


def test_a_production_line_is_one_json_object_with_the_texts_ids() -> None:
    record = logging.LogRecord(
        "smsbridge", logging.INFO, __file__, 1, "to %s", ("+64211234567",), None
    )
    with text_context(message_sid="SM" + "a" * 32, request_id="req-0123456789", job_id="j-1"):
        Scrubbed().filter(record)

    line = JsonLines().format(record)

    assert "\n" not in line
    assert json.loads(line) == {
        "time": json.loads(line)["time"],
        "level": "info",
        "logger": "smsbridge",
        "message": "to …567",
        "request_id": "req-0123456789",
        "message_sid": "SM" + "a" * 32,
        "job_id": "j-1",
    }


def test_a_webhooks_request_id_goes_back_and_into_the_job_it_queues(
    client: FlaskClient, settings: Settings, queue: Queue, rt: Runtime
) -> None:
    headers = {**signed(settings, "/sms/inbound", FORM), "X-Request-Id": "req-0123456789"}

    answer = client.post("/sms/inbound", data=FORM, headers=headers)
    made_up = client.get("/healthz", headers={"X-Request-Id": "not valid!"})

    assert answer.headers["X-Request-Id"] == "req-0123456789"
    assert len(made_up.headers["X-Request-Id"]) == 32  # ours, not the one sent
    (job_id,) = queue.job_ids
    job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
    assert job.meta == {"request_id": "req-0123456789", "message_sid": FORM["MessageSid"]}


def test_every_line_of_a_texts_job_names_it_and_none_holds_its_words_or_number(
    client: FlaskClient, settings: Settings, queue: Queue, rt: Runtime, env: dict[str, str]
) -> None:
    add_person(rt)
    headers = {**signed(settings, "/sms/inbound", FORM), "X-Request-Id": "req-0123456789"}
    client.post("/sms/inbound", data=FORM, headers=headers)

    worker = subprocess.run(
        [
            # As `make run` and the Procfile start it: the pool, whose workers RQ sets
            # up its logging for again as they start work.
            *(sys.executable, "-m", "workers.pool", "--burst", "--num-workers", "1"),
            *("--worker-class", "workers.worker.GatewayWorker", "--serializer", "json"),
            *("--url", env["REDIS_URL"], queue.name),
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    logged = worker.stderr

    assert worker.returncode == 0, logged
    ours = [line for line in logged.splitlines() if " workers." in line]
    assert any("text " in line and "handed over" in line for line in ours), logged
    assert all(f"[{FORM['MessageSid']} req-0123456789]" in line for line in ours), logged
    assert FORM["From"] not in logged and FORM["Body"] not in logged
    assert "Job OK" not in logged  # RQ's per-job lines are quiet in development
