"""GET /healthz (alive) and GET /readyz (database, migrations, Redis, a worker)."""

from __future__ import annotations

from dataclasses import replace

from flask.testing import FlaskClient
from rq import Queue, SimpleWorker
from sqlalchemy import text

from config import Settings
from gateway import create_app
from gateway.services import services
from store.db import make_engine
from store.migrate import head_revision


def test_healthz_says_only_that_the_process_answers(settings: Settings, clean_state: None) -> None:
    app = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    response = app.test_client().get("/healthz")
    services(app).close()

    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_readyz_is_ready_with_a_worker_registered(client: FlaskClient, queue: Queue) -> None:
    worker = SimpleWorker([queue], connection=queue.connection, serializer=queue.serializer)
    worker.register_birth()
    try:
        response = client.get("/readyz")
    finally:
        worker.register_death()

    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "database": "ok",
        "migrations": "ok",
        "redis": "ok",
        "workers": "ok: 1",
    }


def test_readyz_waits_for_a_worker(client: FlaskClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.get_json()["workers"] == "none running"


def test_readyz_says_when_redis_is_down(settings: Settings, clean_state: None) -> None:
    app = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    response = app.test_client().get("/readyz")
    services(app).close()

    assert response.status_code == 503
    body = response.get_json()
    assert (body["status"], body["database"], body["workers"]) == ("not ready", "ok", "unknown")
    assert body["redis"].startswith("down")


def test_readyz_says_when_the_release_step_has_not_run(
    client: FlaskClient, settings: Settings
) -> None:
    engine = make_engine(settings.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0012'"))
        response = client.get("/readyz")
    finally:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE alembic_version SET version_num = :head"), {"head": head_revision()}
            )
        engine.dispose()

    assert response.status_code == 503
    assert response.get_json()["migrations"] == (
        f"at 0012, not {head_revision()}: run the release step"
    )
