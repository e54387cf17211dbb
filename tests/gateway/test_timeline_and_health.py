"""GET /timeline and GET /healthz."""

from __future__ import annotations

from dataclasses import replace

from flask.testing import FlaskClient

from config import Settings
from gateway import create_app
from gateway.db import transaction
from gateway.models import TimelineEntry, utcnow
from gateway.services import services


def test_timeline_shows_posts_newest_first_and_escapes_them(client: FlaskClient) -> None:
    with transaction(services(client.application).sessions) as session:
        session.add(TimelineEntry(key="a", handle="aroha", text="First post"))
        session.add(TimelineEntry(key="b", handle="aroha", text="<script>x</script> second"))
        session.add(TimelineEntry(key="c", handle="aroha", text="Deleted", deleted_at=utcnow()))

    page = client.get("/timeline").get_data(as_text=True)

    assert page.index("second") < page.index("First post")
    assert "&lt;script&gt;" in page and "<script>x" not in page
    assert "Deleted" not in page


def test_an_empty_timeline_says_how_to_post(client: FlaskClient) -> None:
    assert "smsbridge simulate" in client.get("/timeline").get_data(as_text=True)


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
