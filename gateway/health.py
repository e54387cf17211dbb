"""GET /healthz: the process answers. GET /readyz: it can do its work, every part checked.

A load balancer or compose's health check asks /readyz before sending traffic:
the database answers and its schema is at the migrations' head (the release
step ran), Redis answers, and at least one worker is registered on the queue
(RQ drops a worker's registration once its heartbeat lapses). /healthz asks
nothing of anyone: a restart would not fix a database that is down.
"""

from __future__ import annotations

from functools import cache

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from redis.exceptions import RedisError
from rq import Worker
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gateway.services import services
from store.migrate import head_revision

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Alive: the web process answers requests."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Ready: each part ok or why not; 503 when any is not, so traffic waits."""
    svc = services()
    checks: dict[str, str] = {}
    try:
        with svc.engine.connect() as connection:
            applied = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        head = migrations_head()
        checks["database"] = "ok"
        checks["migrations"] = (
            "ok" if applied == head else f"at {applied or 'none'}, not {head}: run the release step"
        )
    except SQLAlchemyError as exc:
        checks["database"] = f"down: {type(exc).__name__}"
        checks["migrations"] = "unknown"
    try:
        svc.queue.connection.ping()
        checks["redis"] = "ok"
        workers = Worker.count(queue=svc.queue)
        checks["workers"] = f"ok: {workers}" if workers else "none running"
    except RedisError as exc:
        checks["redis"] = f"down: {type(exc).__name__}"
        checks["workers"] = "unknown"
    ready = all(value.startswith("ok") for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", **checks), 200 if ready else 503


@cache
def migrations_head() -> str:
    """The newest migration this code ships (read once: the code does not change under us)."""
    return head_revision()
