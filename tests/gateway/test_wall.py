"""The event's wall and archive: what they show, to whom, and what moderation leaves out."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from gateway import wall
from store.db import transaction
from store.models import AuditEntry, Delivery, Event, InboundMedia, Post, TagPost, utcnow
from tests.factories import add_event, add_inbound, add_person
from tests.gateway.console.conftest import SignIn, make_staff, post_form, sign_in
from workers.mentions.reading import read_account
from workers.platforms import LinkedAccount, Published, Thread, build_connector
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound

WALL = "/events/SWRB13/wall"
SIDS = iter(range(1, 10_000))


@pytest.fixture
def event(rt: Runtime, organiser: SignIn) -> int:
    """The organiser's event, with Aroha attending; its wall public unless a test says not."""
    person = add_person(rt)
    event_id = add_event(rt, attendees=(person,))
    with transaction(rt.sessions) as session:
        session.execute(update(Event).values(organiser_id=organiser.id, wall_public=True))
    return event_id


def text(rt: Runtime, body: str) -> int:
    """Aroha texts a post; it is published at once (the local timeline); return its id."""
    process_inbound(rt, add_inbound(rt, body, sid=f"SM{next(SIDS):032x}"))
    with rt.sessions() as session:
        return session.scalars(select(Post.id).order_by(Post.id.desc())).first() or 0


def shown(client: FlaskClient) -> list[str]:
    """The texts the wall's JSON shows, in order."""
    return [post["text"] for post in client.get(f"{WALL}.json").get_json()["posts"]]


def test_the_wall_shows_posts_newest_first_with_handles_and_links_never_phones(
    client: FlaskClient, rt: Runtime, event: int
) -> None:
    text(rt, "Kia ora koutou")
    text(rt, "Second thought 🎉")

    page = client.get(WALL).get_data(as_text=True)
    state = client.get(f"{WALL}.json").get_json()

    assert shown(client) == ["Second thought 🎉 #swrb13", "Kia ora koutou #swrb13"]
    assert state["posts"][0]["places"] == [
        {
            "platform": "Local timeline",
            "handle": "aroha",
            "url": state["posts"][0]["places"][0]["url"],
        }
    ]
    assert "/timeline#post-" in state["posts"][0]["places"][0]["url"]
    assert "Second thought 🎉 #swrb13" in page and "Local timeline @aroha" in page
    assert "+64211234567" not in page and "+64211234567" not in json.dumps(state)
    assert "wall.js" in page


def test_hidden_and_undone_posts_leave_the_wall_and_the_archive(
    client: FlaskClient, rt: Runtime, event: int
) -> None:
    hidden = text(rt, "Hide me")
    text(rt, "Keep me")
    undone = text(rt, "Undo me")
    with transaction(rt.sessions) as session:
        session.get_one(Post, hidden).wall_hidden_at = utcnow()
        session.get_one(Post, undone).undone_at = utcnow()

    archive = client.get("/events/SWRB13/archive.json").get_json()

    assert shown(client) == ["Keep me #swrb13"]
    assert [post["text"] for post in archive["posts"]] == ["Keep me #swrb13"]


def test_a_paused_wall_shows_no_new_posts_and_a_pinned_one_leads(
    client: FlaskClient, rt: Runtime, event: int
) -> None:
    first = text(rt, "First")
    text(rt, "Second")
    with transaction(rt.sessions) as session:
        session.get_one(Post, first).wall_pinned_at = utcnow()
        session.execute(update(Event).values(wall_paused_at=utcnow()))
    text(rt, "During questions")

    state = client.get(f"{WALL}.json").get_json()

    assert state["paused"] is True
    assert shown(client) == ["First #swrb13", "Second #swrb13"]
    assert state["posts"][0]["pinned"] is True


def test_a_private_wall_asks_a_visitor_to_sign_in_and_refuses_other_organisers(
    client: FlaskClient, rt: Runtime, event: int, admin: SignIn
) -> None:
    with transaction(rt.sessions) as session:
        session.execute(update(Event).values(wall_public=False))
    stranger = make_staff(rt, "other@example.org", "organiser")

    signed_out = client.get(WALL)
    sign_in(client, stranger)
    other = [client.get(path).status_code for path in (WALL, f"{WALL}.json", f"{WALL}/stream")]
    admins = client.application.test_client()
    sign_in(admins, admin)
    allowed = admins.get(WALL)

    assert signed_out.status_code == 302
    assert "/console/sign-in" in signed_out.headers["Location"]
    assert other == [403, 403, 403]
    assert allowed.status_code == 200


def test_the_stream_sends_the_wall_as_server_sent_events(
    client: FlaskClient, rt: Runtime, event: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wall, "STREAM_SECONDS", 0.5)
    monkeypatch.setattr(wall, "CHECK_SECONDS", 0.1)
    text(rt, "Streamed")

    response = client.get(f"{WALL}/stream")
    body = response.get_data(as_text=True)

    assert response.mimetype == "text/event-stream"
    assert body.startswith("retry: 2000\n\n")
    first = next(line for line in body.splitlines() if line.startswith("data: "))
    assert [p["text"] for p in json.loads(first[6:])["posts"]] == ["Streamed #swrb13"]
    assert body.count("data: ") == 1  # unchanged since: comments only


def test_the_csv_archive_opens_in_a_spreadsheet_intact_and_runs_no_formula(
    client: FlaskClient, rt: Runtime, event: int
) -> None:
    text(rt, '=HYPERLINK("http://evil.example") Māori kupu 🎉')

    response = client.get("/events/SWRB13/archive.csv")

    raw = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(raw.removeprefix("\ufeff"))))
    assert raw.startswith("\ufeff")
    assert response.headers["Content-Disposition"] == "attachment; filename=swrb13-archive.csv"
    assert rows[0] == wall.ARCHIVE_COLUMNS
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example") Māori kupu 🎉 #swrb13'
    assert rows[1][2:4] == ["Local timeline", "aroha"]


def test_the_html_archive_is_one_file_with_no_script(
    client: FlaskClient, rt: Runtime, event: int
) -> None:
    text(rt, "Into the archive <b>not bold</b>")

    response = client.get("/events/SWRB13/archive.html")

    page = response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == "attachment; filename=swrb13-archive.html"
    assert "<script" not in page and "<link" not in page and "<style>" in page
    assert "Into the archive &lt;b&gt;not bold&lt;/b&gt; #swrb13" in page
    assert "script-src" not in response.headers["Content-Security-Policy"]


def test_moderation_is_the_organisers_and_is_audited(
    client: FlaskClient, rt: Runtime, event: int, organiser: SignIn
) -> None:
    post = text(rt, "Moderate me")
    sign_in(client, organiser)
    page = "/console/events/SWRB13/wall"

    post_form(client, page, f"{page}/posts/p{post}/hide")
    hidden = shown(client)
    post_form(client, page, f"{page}/posts/p{post}/show")
    post_form(client, page, f"{page}/pause")
    post_form(client, page, f"{page}/private")

    assert hidden == []
    assert shown(client) == ["Moderate me #swrb13"]  # shown again; the pause came after it
    with rt.sessions() as session:
        found = session.scalars(select(Event)).one()
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert found.wall_paused_at is not None and not found.wall_public
    assert actions[-4:] == [
        "wall post hidden",
        "wall post shown",
        "wall paused",
        "wall made private",
    ]


def test_another_organiser_cannot_moderate(client: FlaskClient, rt: Runtime, event: int) -> None:
    post = text(rt, "Not yours")
    sign_in(client, make_staff(rt, "other@example.org", "organiser"))

    response = client.post(f"/console/events/SWRB13/wall/posts/p{post}/hide")

    assert response.status_code in (400, 403)
    assert client.get("/console/events/SWRB13/wall").status_code == 403
    assert shown(client) == ["Not yours #swrb13"]


def test_the_archive_holds_the_replies_that_came_back(
    client: FlaskClient, rt: Runtime, event: int
) -> None:
    post = text(rt, "Slides are up")
    with rt.sessions() as session:
        delivery = session.scalars(select(Delivery).where(Delivery.post_id == post)).one()
    read_account(rt, delivery.account_id)  # the first read only marks where to start from
    ours = Published(delivery.remote_id or "", "")
    mere = build_connector("local", LinkedAccount(0, "mere", {}), rt.connectors)
    mere.publish("Ka pai, thanks!", "reply-1", Thread(ours, ours))
    read_account(rt, delivery.account_id)

    archived = client.get("/events/SWRB13/archive.json").get_json()
    rows = list(csv.reader(io.StringIO(client.get("/events/SWRB13/archive.csv").text[1:])))
    page = client.get("/events/SWRB13/archive.html").get_data(as_text=True)

    [reply] = archived["posts"][0]["replies"]
    assert (reply["author"], reply["text"]) == ("mere", "Ka pai, thanks!")
    assert rows[1][5] == "mere: Ka pai, thanks!"
    assert "<strong>@mere</strong>: Ka pai, thanks!" in page


def test_the_organiser_turns_on_everyone_on_the_hashtags_and_they_show_labelled(
    client: FlaskClient, rt: Runtime, event: int, organiser: SignIn
) -> None:
    sign_in(client, organiser)
    page = "/console/events/SWRB13/wall"

    refused = post_form(client, page, f"{page}/tags", show="y", mastodon_server="a/b/c")
    told = client.get(refused.headers["Location"]).get_data(as_text=True)
    post_form(client, page, f"{page}/tags", show="y", mastodon_server="mastodon.example")
    with transaction(rt.sessions) as session:
        saved = session.scalars(select(Event)).one()
        session.add(
            TagPost(
                event_id=saved.id,
                platform="mastodon",
                remote_id="1099",
                author="mere@mastodon.example",
                text="From the floor #swrb13",
                url="https://mastodon.example/@mere/1099",
            )
        )
    state = client.get(f"{WALL}.json").get_json()

    assert "Not saved: &#39;a/b/c&#39; is not a Mastodon server&#39;s address." in told
    assert (saved.wall_tag_posts, saved.tag_mastodon_server) == (True, "https://mastodon.example")
    assert state["posts"][0]["from_tag"] is True
    assert state["posts"][0]["places"][0]["handle"] == "mere@mastodon.example"
    assert state["posts"][0]["places"][0]["platform"] == "Mastodon"


def test_photos_are_named_with_their_descriptions_on_the_wall_and_in_the_archive(
    client: FlaskClient, rt: Runtime, event: int
) -> None:
    post_id = text(rt, "Our posters")
    with transaction(rt.sessions) as session:
        post = session.get_one(Post, post_id)
        post.photos = 2
        for position, alt in enumerate(("Room 4 poster", "")):
            session.add(
                InboundMedia(
                    inbound_id=post.inbound_id, position=position, twilio_url="https://x",
                    declared_type="image/jpeg", status="stored", post_id=post_id, alt_text=alt,
                )
            )  # fmt: skip

    state = client.get(f"{WALL}.json").get_json()
    page = client.get(WALL).get_data(as_text=True)
    rows = list(
        csv.reader(io.StringIO(client.get("/events/SWRB13/archive.csv").text.lstrip("\ufeff")))
    )

    assert state["posts"][0]["photos"] == ["Room 4 poster", ""]
    assert state["posts"][0]["photos_words"] == "2 photos: Room 4 poster"  # what wall.js shows
    assert "2 photos: Room 4 poster" in page
    assert rows[0][-1] == "photos" and rows[1][-1] == "2 photos: Room 4 poster"
