"""gunicorn's settings for the web app: the Procfile and `make run` both load this file.

Threaded workers, so a slow client holds one thread, not a whole worker: with
sync workers, two connections that never finished their headers stopped every
answer, Twilio's webhooks and /healthz included. Put a buffering proxy in front
as well where many slow clients are expected.
"""

from __future__ import annotations

import os

from gunicorn.arbiter import Arbiter
from gunicorn.workers.base import Worker

from config import load_settings
from config.logs import logging_config
from store.metrics_files import WEB, start_program_metrics

worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = 30  # a worker silent this long is restarted
graceful_timeout = 20
keepalive = 5  # seconds an idle keep-alive connection is kept
# Requests are small (Twilio's forms, the console's pages): refuse huge header blocks.
limit_request_line = 8190
limit_request_fields = 100
# Our log format for gunicorn's own lines too: JSON in production, and its access
# log only there (development's terminal is for what `make run` says).
logconfig_dict = logging_config(os.environ.get("SMSBRIDGE_ENV", "development").strip().lower())


def on_starting(server: Arbiter) -> None:
    """Give the web's workers a new metrics folder, before the first of them starts."""
    start_program_metrics(load_settings().var_dir, WEB)


def child_exit(server: Arbiter, worker: Worker) -> None:
    """Drop a dead worker's live gauges from /metrics, as prometheus-client asks of gunicorn."""
    from prometheus_client import multiprocess  # in multiprocess mode: on_starting has run

    multiprocess.mark_process_dead(worker.pid)
