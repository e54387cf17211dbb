"""What the processes count as it happens, for /metrics: webhooks, jobs, refusals.

Defined once here, so the web app and the workers name each metric the same way.
In gunicorn and the worker pool these count into files (store/metrics_files.py);
what is already in the database or Redis is read at scrape time instead
(store/state_metrics.py). Labels take a few known values each: never a phone
number or a row's id.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# From a few milliseconds (a command answered) to minutes (a broadcast paced out).
JOB_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

WEBHOOKS = Counter(
    "smsbridge_webhooks",
    "Twilio's webhooks answered, by webhook (inbound, status) and HTTP status code.",
    ["webhook", "code"],
)
JOB_SECONDS = Histogram(
    "smsbridge_job_duration_seconds",
    "Time a worker took over a job, by job function and outcome (finished, failed).",
    ["job", "outcome"],
    buckets=JOB_BUCKETS,
)
TWILIO_ERRORS = Counter(
    "smsbridge_twilio_errors",
    "Texts Twilio did not take, by Twilio's error code (none: no answer at all).",
    ["code"],
)
PLATFORM_ERRORS = Counter(
    "smsbridge_platform_errors",
    "Deliveries that failed for good, by platform and kind of error (auth, content, transient).",
    ["platform", "kind"],
)


def job_name(func_name: str | None) -> str:
    """Name a job by its function alone: workers.sweeper.sweep is `sweep`."""
    return (func_name or "unknown").rsplit(".", 1)[-1]
