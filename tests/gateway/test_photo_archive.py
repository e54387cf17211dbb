"""Our copies of an event's photos, as a ZIP its organiser asks for: files, index, audit."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from store.db import transaction
from store.models import AuditEntry, Event, InboundMedia, Post, utcnow
from tests.factories import add_event, add_inbound, add_person
from tests.gateway.console.conftest import SignIn, make_staff, sign_in
from tests.workers.platforms.photos import photo
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound

ZIP = "/console/events/SWRB13/photos.zip"
SIDS = iter(range(1, 10_000))


@pytest.fixture
def event(rt: Runtime, organiser: SignIn) -> int:
    """The organiser's event, with Aroha attending; its wall public."""
    person = add_person(rt)
    event_id = add_event(rt, attendees=(person,))
    with transaction(rt.sessions) as session:
        session.execute(update(Event).values(organiser_id=organiser.id, wall_public=True))
    return event_id


def post_with_photos(rt: Runtime, body: str, *descriptions: str) -> int:
    """Aroha texts a post (published at once) that went out with these photos; its id."""
    process_inbound(rt, add_inbound(rt, body, sid=f"SM{next(SIDS):032x}"))
    with transaction(rt.sessions) as session:
        post = session.scalars(select(Post).order_by(Post.id.desc())).first()
        assert post is not None
        post.photos = len(descriptions)
        for position, alt in enumerate(descriptions):
            session.add(
                InboundMedia(
                    inbound_id=post.inbound_id, position=position, twilio_url="https://x",
                    declared_type="image/jpeg", status="stored", post_id=post.id, alt_text=alt,
                    content_type="image/jpeg", data=photo(alt=alt).data, width=64, height=32,
                )
            )  # fmt: skip
        return post.id


def opened(client: FlaskClient) -> tuple[zipfile.ZipFile, list[list[str]]]:
    """The downloaded ZIP and the rows of its index."""
    response = client.get(ZIP)
    data = response.data
    response.close()  # as the server does once sent: the spooled file goes
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Disposition"] == "attachment; filename=swrb13-photos.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    index = archive.read("photos.csv").decode().lstrip("\ufeff")
    return archive, list(csv.reader(io.StringIO(index)))


def test_the_organiser_gets_each_photo_with_an_index_and_it_is_audited(
    client: FlaskClient, rt: Runtime, event: int, organiser: SignIn
) -> None:
    first = post_with_photos(rt, "Our posters", "Room 4 poster", "Room 5 poster")
    post_with_photos(rt, "No photos here")
    sign_in(client, organiser)

    archive, rows = opened(client)

    files = sorted(n for n in archive.namelist() if n.startswith("photos/"))
    assert len(files) == 2 and all(f"-p{first}-" in name for name in files)
    with rt.sessions() as session:
        stored = session.scalars(
            select(InboundMedia.data)
            .where(InboundMedia.post_id == first)
            .order_by(InboundMedia.position)
        ).all()
        audit = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert [archive.read(name) for name in files] == list(stored)
    assert rows[0] == ["file", "time (UTC)", "post", "description", "links"]
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [
        (files[0], "Our posters #swrb13", "Room 4 poster"),
        (files[1], "Our posters #swrb13", "Room 5 poster"),
    ]
    assert all("/timeline#post-" in r[4] for r in rows[1:])  # the platforms' copies too
    assert audit is not None
    assert (audit.action, audit.target, audit.detail) == ("photos downloaded", "SWRB13", "2 photos")


def test_hidden_posts_are_left_out_and_erased_photos_are_named(
    client: FlaskClient, rt: Runtime, event: int, organiser: SignIn
) -> None:
    hidden = post_with_photos(rt, "Hide me", "Hidden poster")
    erased = post_with_photos(rt, "Old one", "Old poster")
    with transaction(rt.sessions) as session:
        session.get_one(Post, hidden).wall_hidden_at = utcnow()
        session.execute(
            update(InboundMedia).where(InboundMedia.post_id == erased).values(data=None)
        )
    sign_in(client, organiser)

    archive, rows = opened(client)

    assert [n for n in archive.namelist() if n.startswith("photos/")] == []
    assert [(r[0], r[3]) for r in rows[1:]] == [("(erased: photos are kept 90 days)", "Old poster")]


def test_only_the_organiser_and_admins_may_ask(
    client: FlaskClient, rt: Runtime, event: int, admin: SignIn
) -> None:
    post_with_photos(rt, "Our posters", "Room 4 poster")
    other = make_staff(rt, "other@example.org", "organiser")

    signed_out = client.get(ZIP)
    sign_in(client, other)
    someone_else = client.get(ZIP)
    as_admin = client.application.test_client()
    sign_in(as_admin, admin)

    _, rows = opened(as_admin)

    assert signed_out.status_code == 302 and "/console/sign-in" in signed_out.headers["Location"]
    assert someone_else.status_code in (403, 404)
    assert len(rows) == 2


def test_the_wall_page_offers_our_copies(
    client: FlaskClient, event: int, organiser: SignIn
) -> None:
    sign_in(client, organiser)

    page = client.get("/console/events/SWRB13/wall").get_data(as_text=True)

    assert f'href="{ZIP}">our copies (ZIP)</a>' in page and "(90 days)" in page
