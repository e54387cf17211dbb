"""GET /healthz: the database and Redis, each ok or down."""

from __future__ import annotations

from dataclasses import replace

from flask.testing import FlaskClient

from config import Settings
from gateway import create_app
from gateway.services import services


def test_healthz_reports_database_and_redis(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_says_when_redis_is_down(settings: Settings, clean_state: None) -> None:
    app = create_app(replace(settings, redis_url="redis://127.0.0.1:1/0"))
    response = app.test_client().get("/healthz")
    services(app).close()

    assert response.status_code == 503
    body = response.get_json()
    assert (body["status"], body["database"]) == ("degraded", "ok")
    assert body["redis"].startswith("down")
