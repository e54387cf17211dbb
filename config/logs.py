"""Logs: one JSON line a record in production, short readable lines in development; never a secret.

Every record carries the request id (X-Request-Id from the proxy, or one made up)
and the MessageSid of the text at hand, from the webhook into every job the text
causes, so one text's whole path can be found with one search. What is logged is
scrubbed on the way out: a phone number keeps only its last three digits, and
anything written as token=…, code=…, password=… or key=… loses its value. No code
here logs a message's words.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")
MESSAGE_SID: ContextVar[str] = ContextVar("message_sid", default="")
JOB_ID: ContextVar[str] = ContextVar("job_id", default="")

# A phone number: 8 to 15 digits standing alone (so ids, UUIDs and Twilio's SIDs are left).
PHONE = re.compile(r"(?<![\w+-])\+?\d{5,12}(\d{3})(?![\w-])")  # not a UUID's group
SECRET_VALUE = re.compile(
    r"(?i)\b(token|access_token|refresh_token|code|password|secret|key|pin)=([^&\s\"']+)"
)
BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
# RQ says "job started / job OK / result kept" at INFO for every job: in development
# that buries what `make run` prints; production keeps them (as JSON, searchable).
QUIET_IN_DEVELOPMENT = ("rq.worker", "rq.scheduler", "rq.queue")


def scrub(text: str) -> str:
    """The text with phone numbers cut to their last three digits and secrets' values gone."""
    text = PHONE.sub(lambda m: f"…{m.group(1)}", text)
    text = SECRET_VALUE.sub(lambda m: f"{m.group(1)}=…", text)
    return BEARER.sub(lambda m: f"{m.group(1)} …", text)


class Scrubbed(logging.Filter):
    """Adds the request id, MessageSid and job id to a record, and scrubs its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Fill in the context and rewrite the message scrubbed (always kept)."""
        request_id, message_sid = REQUEST_ID.get(), MESSAGE_SID.get()
        record.request_id, record.message_sid = request_id, message_sid
        record.job_id = JOB_ID.get()
        ids = " ".join(v for v in (message_sid, request_id) if v)
        record.ids = f" [{ids}]" if ids else ""  # development's lines show them briefly
        record.msg = scrub(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the context there is."""

    def format(self, record: logging.LogRecord) -> str:
        """Write the record as one line of JSON."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "message_sid", "job_id"):
            value = getattr(record, key, "")
            if value:
                line[key] = value
        if record.exc_text:
            line["error"] = record.exc_text
        return json.dumps(line, ensure_ascii=False)


def logging_config(env: str) -> dict[str, Any]:
    """The dictConfig for every process of this environment (gunicorn takes it too)."""
    production = env == "production"
    formatter = (
        {"()": JsonLines}
        if production
        else {
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s%(ids)s",
            "datefmt": "%H:%M:%S",
        }
    )
    quiet = {} if production else {name: {"level": "WARNING"} for name in QUIET_IN_DEVELOPMENT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"scrubbed": {"()": Scrubbed}},
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["scrubbed"],
            }
        },
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            # gunicorn's own loggers: through ours, not their handlers.
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {
                "level": "INFO" if production else "WARNING",
                "handlers": ["stderr"],
                "propagate": False,
            },
            **quiet,
        },
    }


def setup_logging(env: str) -> None:
    """Configure this process's logging, replacing whatever a library set up before."""
    logging.config.dictConfig(logging_config(env))
    for name in QUIET_IN_DEVELOPMENT:
        # RQ gives its loggers handlers of their own: route them through ours instead.
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = True


def current_context() -> dict[str, str]:
    """The ids of the text at hand, for a job it enqueues to carry on (RQ's job meta)."""
    found = {"request_id": REQUEST_ID.get(), "message_sid": MESSAGE_SID.get()}
    return {key: value for key, value in found.items() if value}


@contextmanager
def text_context(message_sid: str = "", request_id: str = "", job_id: str = "") -> Iterator[None]:
    """Carry these ids on every record logged inside the block."""
    tokens = [
        var.set(value)
        for var, value in ((MESSAGE_SID, message_sid), (REQUEST_ID, request_id), (JOB_ID, job_id))
        if value
    ]
    try:
        yield
    finally:
        for token in reversed(tokens):
            token.var.reset(token)
