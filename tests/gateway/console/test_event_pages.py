"""Events in the console: organisers make and edit their own, with clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import select

from store.models import Attendance, AuditEntry, Event, Person
from tests.factories import add_event, add_person
from tests.gateway.console.conftest import SignIn, make_staff, post_form, sign_in
from workers.runtime import Runtime

GOOD = {
    "code": "hui26",
    "name": "Hui 2026",
    "organiser": "ANZASW",
    "hashtags": "#hui26 #socialwork",
    "starts": "2026-12-01T09:00",
    "ends": "2026-12-03T17:00",
    "check_confidentiality": "y",
    "hold_photos": "y",
}


def stored_event(rt: Runtime, code: str) -> Event:
    """The event with this code, as stored."""
    with rt.sessions() as session:
        return session.scalars(select(Event).where(Event.code == code)).one()


def test_an_organiser_creates_an_event_that_is_theirs(
    client: FlaskClient, organiser: SignIn, rt: Runtime
) -> None:
    sign_in(client, organiser)

    response = post_form(client, "/console/events/new", "/console/events/new", **GOOD)

    assert response.headers["Location"] == "/console/events/HUI26"
    event = stored_event(rt, "HUI26")
    assert (event.name, event.hashtags, event.organiser_id) == (
        "Hui 2026",
        "#hui26 #socialwork",
        organiser.id,
    )
    # Typed in Pacific/Auckland (UTC+13 in December), stored in UTC.
    assert event.starts_at == datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    page = client.get("/console/events/HUI26").get_data(as_text=True)
    assert "JOIN HUI26" in page and "2026-12-01 09:00" in page
    with rt.sessions() as session:
        action = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first()
    assert action == "event created"


def test_mistakes_are_named_on_their_fields(
    client: FlaskClient, organiser: SignIn, rt: Runtime
) -> None:
    add_event(rt, code="TAKEN")
    sign_in(client, organiser)
    page = "/console/events/new"

    spaced = post_form(client, page, page, **{**GOOD, "hashtags": "#social work"})
    backwards = post_form(client, page, page, **{**GOOD, "ends": "2026-11-30T09:00"})
    taken = post_form(client, page, page, **{**GOOD, "code": "taken"})
    bad_code = post_form(client, page, page, **{**GOOD, "code": "a b"})

    assert [r.status_code for r in (spaced, backwards, taken, bad_code)] == [400] * 4
    assert "a hashtag cannot hold a space" in spaced.get_data(as_text=True)
    assert "The event must end after it starts." in backwards.get_data(as_text=True)
    assert "The code TAKEN is already taken: choose another." in taken.get_data(as_text=True)
    assert "is not a join code" in bad_code.get_data(as_text=True)


def test_an_organiser_cannot_open_another_organisers_event(
    client: FlaskClient, organiser: SignIn, rt: Runtime
) -> None:
    other = make_staff(rt, "other@example.org", "organiser")
    code = add_event(rt, code="THEIRS")
    with rt.sessions.begin() as session:
        session.get_one(Event, code).organiser_id = other.id
    sign_in(client, organiser)

    assert client.get("/console/events/THEIRS").status_code == 403
    assert post_form(client, "/console/", "/console/events/THEIRS", **GOOD).status_code == 403
    assert "THEIRS" not in client.get("/console/events/").get_data(as_text=True)
    assert stored_event(rt, "THEIRS").name != GOOD["name"]


def test_editing_an_event_saves_and_keeps_its_owner(
    client: FlaskClient, organiser: SignIn, rt: Runtime
) -> None:
    sign_in(client, organiser)
    post_form(client, "/console/events/new", "/console/events/new", **GOOD)

    response = post_form(
        client,
        "/console/events/HUI26",
        "/console/events/HUI26",
        **{**GOOD, "name": "Hui 2026, Ōtautahi", "hashtags": "#hui26"},
    )

    assert response.status_code == 302
    event = stored_event(rt, "HUI26")
    assert (event.name, event.hashtags, event.organiser_id) == (
        "Hui 2026, Ōtautahi",
        "#hui26",
        organiser.id,
    )


def test_attendees_are_added_by_phone_and_removed(
    client: FlaskClient, organiser: SignIn, rt: Runtime
) -> None:
    person = add_person(rt, phone="+64215550201", name="Hemi")
    sign_in(client, organiser)
    post_form(client, "/console/events/new", "/console/events/new", **GOOD)

    unknown = post_form(
        client, "/console/events/HUI26", "/console/events/HUI26/attendees", phone="021 555 0299"
    )
    added = post_form(
        client, "/console/events/HUI26", "/console/events/HUI26/attendees", phone="021 555 0201"
    )
    with rt.sessions() as session:
        current = session.get_one(Person, person).current_event_id
    removed = post_form(
        client, "/console/events/HUI26", f"/console/events/HUI26/attendees/{person}/remove"
    )

    assert unknown.status_code == 400
    assert "No one is registered with +64215550299" in unknown.get_data(as_text=True)
    assert added.status_code == removed.status_code == 302
    assert current == stored_event(rt, "HUI26").id
    with rt.sessions() as session:
        assert session.get_one(Person, person).current_event_id is None
        assert session.scalars(select(Attendance)).all() == []


def test_an_admin_sees_every_event_and_gives_one_to_an_organiser(
    client: FlaskClient, admin: SignIn, organiser: SignIn, rt: Runtime
) -> None:
    add_event(rt, code="CLIMADE")
    sign_in(client, admin)

    listing = client.get("/console/events/").get_data(as_text=True)
    post_form(
        client,
        "/console/events/new",
        "/console/events/new",
        **{**GOOD, "owner": str(organiser.id)},
    )

    assert "CLIMADE" in listing
    assert stored_event(rt, "HUI26").organiser_id == organiser.id


def test_an_organiser_lists_the_events_public_names(
    client: FlaskClient, organiser: SignIn, rt: Runtime
) -> None:
    sign_in(client, organiser)
    post_form(client, "/console/events/new", "/console/events/new", **GOOD)
    names = "Liz Beddoe\r\n\r\n  Whānau Ora  Waikato \r\nliz beddoe\r\n"

    saved = post_form(
        client, "/console/events/HUI26", "/console/events/HUI26", **{**GOOD, "public_names": names}
    )
    too_long = post_form(
        client,
        "/console/events/HUI26",
        "/console/events/HUI26",
        **{**GOOD, "public_names": "x" * 101},
    )

    assert saved.status_code == 302
    assert stored_event(rt, "HUI26").public_names == "Liz Beddoe\nWhānau Ora Waikato"
    page = client.get("/console/events/HUI26").get_data(as_text=True)
    assert "Liz Beddoe\nWhānau Ora Waikato</textarea>" in page
    assert too_long.status_code == 400
    assert "100 characters at most." in too_long.get_data(as_text=True)
    assert stored_event(rt, "HUI26").public_names == "Liz Beddoe\nWhānau Ora Waikato"
    with rt.sessions() as session:
        detail = session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id.desc())).first()
    assert detail == "Hui 2026; #hui26 #socialwork; 2 public names; photos held"


def test_an_organiser_lets_photos_through_without_a_hold(
    client: FlaskClient, organiser: SignIn, rt: Runtime
) -> None:
    sign_in(client, organiser)
    post_form(client, "/console/events/new", "/console/events/new", **GOOD)
    assert stored_event(rt, "HUI26").hold_photos is True

    unchecked = {key: value for key, value in GOOD.items() if key != "hold_photos"}
    post_form(client, "/console/events/HUI26", "/console/events/HUI26", **unchecked)

    assert stored_event(rt, "HUI26").hold_photos is False
    with rt.sessions() as session:
        detail = session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id.desc())).first()
    assert detail is not None and detail.endswith("photos not held")


def test_an_organiser_pauses_and_resumes_posting_at_once(
    client: FlaskClient, organiser: SignIn, rt: Runtime
) -> None:
    sign_in(client, organiser)
    post_form(client, "/console/events/new", "/console/events/new", **GOOD)

    paused = post_form(client, "/console/events/HUI26", "/console/events/HUI26/posting/pause")
    page = client.get("/console/events/HUI26").get_data(as_text=True)
    assert stored_event(rt, "HUI26").posting_paused_at is not None
    resumed = post_form(client, "/console/events/HUI26", "/console/events/HUI26/posting/resume")

    assert paused.status_code == resumed.status_code == 302
    assert "Posting is paused" in page and "Resume posting" in page
    assert stored_event(rt, "HUI26").posting_paused_at is None
    with rt.sessions() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["event posting paused", "event posting resumed"]


def test_only_the_events_organiser_may_pause_it(
    client: FlaskClient, organiser: SignIn, rt: Runtime
) -> None:
    add_event(rt, code="OTHER1")
    sign_in(client, organiser)

    # A real form's CSRF token, sent to someone else's event.
    refused = post_form(client, "/console/events/new", "/console/events/OTHER1/posting/pause")

    assert refused.status_code == 403
    assert stored_event(rt, "OTHER1").posting_paused_at is None
