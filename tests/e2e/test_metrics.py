"""/metrics on the real processes: gunicorn's answer adds up its own counts and the workers'."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from store.metrics_files import WEB, WORKER, metrics_root
from tests.conftest import wait_until
from tests.e2e.conftest import make_stack, post_replies
from tests.factories import PHONE, add_person
from workers.runtime import Runtime

pytestmark = pytest.mark.e2e

TOKEN = "e2e-scrape-token-0123456789abcdef"


def scrape(url: str, token: str = TOKEN) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Scrape as Prometheus does; every sample by name and labels."""
    response = requests.get(
        f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, response.status_code
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_a_text_posted_shows_on_metrics_with_the_workers_job_timings(
    env: dict[str, str], clean_state: None, rt: Runtime, tmp_path: Path
) -> None:
    add_person(rt)
    stack = make_stack({**env, "METRICS_TOKEN": TOKEN}, tmp_path)
    try:
        stack.start_web()
        stack.start_worker()
        assert stack.send(PHONE, "Great keynote on practice").status_code == 200
        wait_until(lambda: post_replies(rt), timeout=30)

        handled = (
            "smsbridge_job_duration_seconds_count",
            frozenset({("job", "handle_inbound"), ("outcome", "finished")}),
        )

        def job_timed() -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
            """the worker's handle_inbound timing is on gunicorn's /metrics"""
            samples = scrape(stack.url)
            return samples if samples.get(handled) else {}

        # The job is timed once it returns, a moment after its reply was queued.
        samples = wait_until(job_timed, timeout=20, interval=0.2)

        webhook = "smsbridge_webhooks_total", frozenset({("webhook", "inbound"), ("code", "200")})
        assert samples[webhook] == 1
        assert samples[handled] == 1
        assert samples[("smsbridge_texts_in", frozenset({("status", "handled")}))] == 1
        assert samples[("smsbridge_posts_total", frozenset())] == 1
        published = {("platform", "local"), ("status", "published"), ("error_kind", "")}
        assert samples[("smsbridge_deliveries", frozenset(published))] == 1
        # Each program counted into a folder of its own; the scrape read both.
        root = metrics_root(Path(env["SMSBRIDGE_VAR"]))
        assert list(root.glob(f"{WEB}-*/counter_*.db"))
        assert list(root.glob(f"{WORKER}-*/histogram_*.db"))
        wrong = requests.get(
            f"{stack.url}/metrics", headers={"Authorization": "Bearer nope"}, timeout=10
        )
        assert wrong.status_code == 403
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.stop()
