"""GET /timeline: the local timeline's posts, newest first."""

from __future__ import annotations

from flask.testing import FlaskClient

from gateway.services import services
from store.db import transaction
from store.models import TimelineEntry, TimelineImage, utcnow


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


def test_the_timeline_sends_the_security_headers(client: FlaskClient) -> None:
    page = client.get("/timeline")

    assert page.status_code == 200 and page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_a_posts_photos_are_shown_with_their_description_until_it_is_deleted(
    client: FlaskClient,
) -> None:
    with transaction(services(client.application).sessions) as session:
        entry = TimelineEntry(key="p", handle="aroha", text="Our poster")
        session.add(entry)
        session.flush()
        image = TimelineImage(
            entry_id=entry.id, position=0, content_type="image/png", data=b"\x89PNG-bytes",
            alt_text='A poster: "Whanau first"',
        )  # fmt: skip
        session.add(image)
        session.flush()
        entry_id, image_id = entry.id, image.id

    page = client.get("/timeline").get_data(as_text=True)
    photo = client.get(f"/timeline/images/{image_id}")

    assert f'src="/timeline/images/{image_id}" alt="A poster: &#34;Whanau first&#34;"' in page
    assert (photo.status_code, photo.mimetype, photo.data) == (200, "image/png", b"\x89PNG-bytes")
    with transaction(services(client.application).sessions) as session:
        session.get_one(TimelineEntry, entry_id).deleted_at = utcnow()
    assert client.get(f"/timeline/images/{image_id}").status_code == 404
    assert client.get("/timeline/images/999999").status_code == 404
