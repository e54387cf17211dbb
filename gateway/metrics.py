"""GET /metrics for Prometheus: what every process counted, and the state read now.

Only for the scraper: with METRICS_TOKEN set, a scrape must send it as a bearer
token; without one, only this machine may scrape, and only in development
(production answers 404). docs/metrics.md names every metric.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from flask import Blueprint, Response, abort, request
from prometheus_client import REGISTRY, CollectorRegistry, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from config import PRODUCTION, Settings
from gateway.services import services
from store.metrics import WEBHOOKS
from store.metrics_files import multiprocess_mode, program_files
from store.state_metrics import StateCollector

bp = Blueprint("metrics", __name__)
LOOPBACK = ("127.0.0.1", "::1")


@bp.get("/metrics")
def metrics() -> Response:
    """Answer a scrape, in the format the scraper asks for."""
    require_scraper(services().settings)
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encode(scrape_registry()), content_type=content_type)


def require_scraper(settings: Settings) -> None:
    """Abort unless the request carries the token, or may do without one."""
    if settings.metrics_token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        # Compared in constant time: the answer's timing must not spell the token out.
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), settings.metrics_token.encode()
        ):
            abort(403)
    elif settings.env == PRODUCTION:
        abort(404)  # no token set: production has no /metrics to find
    elif request.remote_addr not in LOOPBACK:
        abort(403)


def scrape_registry() -> CollectorRegistry:
    """Collect the state now, and the counts of every process (or of this one alone)."""
    svc = services()
    registry = CollectorRegistry()
    registry.register(StateCollector(svc.engine, svc.queue))
    if multiprocess_mode():
        registry.register(ProgramFiles(svc.settings))
    else:  # flask run, the tests: this process counted everything itself
        registry.register(REGISTRY)
    return registry


class ProgramFiles(Collector):
    """The counts every process of every program on this machine wrote, added up."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def collect(self) -> Iterable[Metric]:
        """Merge the files as prometheus-client's MultiProcessCollector does, from every folder."""
        try:
            found: Iterable[Metric] = MultiProcessCollector.merge(
                program_files(self.settings.var_dir)
            )
        except FileNotFoundError:  # a program starting removed a stopped one's folder meanwhile
            found = MultiProcessCollector.merge(program_files(self.settings.var_dir))
        return found


def count_webhook(response: Response) -> Response:
    """Count a Twilio webhook's answer by its status code (an after_request hook)."""
    webhook = (request.endpoint or "").rsplit(".", 1)[-1]
    WEBHOOKS.labels(webhook=webhook, code=str(response.status_code)).inc()
    return response
