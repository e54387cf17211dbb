"""Admin: people — find, add (a code texted by a worker), rename, switch off, unlock."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy import select, update

from gateway.console.words import PLATFORM_NAMES
from store.codes import MAX_WRONG_CODES
from store.db import transaction
from store.models import Account, AuditEntry, Delivery, OutboundMessage, Person, Post, utcnow
from tests.conftest import run_jobs
from tests.factories import add_inbound, add_person
from tests.gateway.console.conftest import SignIn, post_form, sign_in
from workers.platforms import DISPLAY_NAMES, platform_names
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound


def person_row(rt: Runtime, phone: str) -> Person:
    """The stored person with this phone."""
    with rt.sessions() as session:
        return session.scalars(select(Person).where(Person.phone == phone)).one()


def actions(rt: Runtime) -> list[tuple[str, str]]:
    """Every audit entry as (action, target), oldest first."""
    with rt.sessions() as session:
        return [
            (row.action, row.target)
            for row in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_adding_a_person_texts_them_a_code_from_a_worker(
    client: FlaskClient, admin: SignIn, rt: Runtime, queue: Queue
) -> None:
    sign_in(client, admin)

    response = post_form(
        client, "/console/people/", "/console/people/", phone="021 555 0101", name=" Mere "
    )
    run_jobs(queue)

    person = person_row(rt, "+64215550101")
    assert response.headers["Location"] == f"/console/people/{person.id}"
    assert person.name == "Mere" and person.confirm_code_hash is not None
    with rt.sessions() as session:
        text = session.scalars(select(OutboundMessage)).one()
    assert (text.to_phone, text.kind, text.status) == ("+64215550101", "confirm_code", "outbox")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A code is being texted to the phone" in page
    assert "(the code is not shown)" in page and "Not confirmed yet" in page
    assert ("person added", "+64215550101") in actions(rt)


def test_a_bad_or_taken_number_is_refused_with_the_reason(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    add_person(rt, phone="+64215550102")
    sign_in(client, admin)

    bad = post_form(client, "/console/people/", "/console/people/", phone="12", name="A")
    taken = post_form(
        client, "/console/people/", "/console/people/", phone="+64 21 555 0102", name="B"
    )

    assert bad.status_code == taken.status_code == 400
    assert "is not a valid phone number." in bad.get_data(as_text=True)
    assert "+64215550102 is already registered." in taken.get_data(as_text=True)


def test_search_finds_by_name_or_by_digits_of_the_phone(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    add_person(rt, phone="+64215550103", name="Aroha Ngata")
    add_person(rt, phone="+64215550999", name="Tama Reti")
    sign_in(client, admin)

    by_name = client.get("/console/people/?q=aroha").get_data(as_text=True)
    by_phone = client.get("/console/people/?q=0999").get_data(as_text=True)

    assert "Aroha Ngata" in by_name and "Tama Reti" not in by_name
    assert "Tama Reti" in by_phone and "Aroha Ngata" not in by_phone


def test_a_phone_switched_off_posts_nothing_from_its_next_text(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    person = add_person(rt, phone="+64215550104")
    sign_in(client, admin)
    page = f"/console/people/{person}"

    post_form(client, page, f"{page}/active")
    process_inbound(rt, add_inbound(rt, "Posted while off?", sender="+64215550104"))

    with rt.sessions() as session:
        assert session.scalars(select(Person.active)).one() is False
        assert session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == (
            "phone switched off"
        )
    assert "switched off" in client.get(page).get_data(as_text=True)
    with rt.sessions() as session:
        assert session.scalars(select(Post)).all() == []


def test_unlock_and_rename_are_saved_and_audited(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    person = add_person(rt, phone="+64215550105", name="Old Name")
    with transaction(rt.sessions) as session:
        session.execute(update(Person).values(posting_locked_at=utcnow(), pin_failures=3))
    sign_in(client, admin)
    page = f"/console/people/{person}"

    post_form(client, page, f"{page}/unlock")
    post_form(client, page, f"{page}/name", name="New Name")

    row = person_row(rt, "+64215550105")
    assert (row.posting_locked_at, row.pin_failures, row.name) == (None, 0, "New Name")
    assert actions(rt)[-2:] == [
        ("phone unlocked", "+64215550105"),
        ("person renamed", "+64215550105"),
    ]


def test_a_pause_is_shown_and_an_admin_can_lift_it(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    person = add_person(rt, phone="+64215550106")
    with transaction(rt.sessions) as session:
        session.execute(
            update(Person).values(posting_paused_until=utcnow() + timedelta(hours=5), pin_pauses=2)
        )
    sign_in(client, admin)
    page = f"/console/people/{person}"

    shown = client.get(page).get_data(as_text=True)
    post_form(client, page, f"{page}/unlock")

    assert "<strong>Paused</strong> after a day's wrong PINs" in shown
    assert "pause 2 of 3 this month" in shown
    row = person_row(rt, "+64215550106")
    assert (row.posting_paused_until, row.pin_pauses) == (None, 0)


def test_an_organiser_cannot_see_people(
    client: FlaskClient, organiser: SignIn, rt: Runtime
) -> None:
    person = add_person(rt)
    sign_in(client, organiser)

    assert client.get("/console/people/").status_code == 403
    assert client.get(f"/console/people/{person}").status_code == 403


def test_the_console_names_platforms_as_the_connectors_do() -> None:
    platform_names()  # loads every connector, so each has registered its name

    assert PLATFORM_NAMES == DISPLAY_NAMES


def test_accounts_that_need_linking_again_are_on_the_front_page_and_the_persons(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    person = add_person(rt, name="Hine", accounts=[("mastodon", "hine@kiwi.social", {})])
    with transaction(rt.sessions) as session:
        session.execute(update(Account).values(status="needs_relink"))
    sign_in(client, admin)

    front = client.get("/console/").get_data(as_text=True)
    page = client.get(f"/console/people/{person}").get_data(as_text=True)

    assert "Accounts that need linking again (or soon)" in front
    assert "Hine</a>: Mastodon @hine@kiwi.social" in front
    assert "needs linking again" in page


def test_unlinking_erases_the_credentials_and_posts_go_there_no_more(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    person = add_person(rt, accounts=[("local", "aroha", {}), ("mastodon", "aroha@kiwi", {"t": 1})])
    with rt.sessions() as session:
        mastodon = session.scalars(select(Account).where(Account.platform == "mastodon")).one()
        local = session.scalars(select(Account.id).where(Account.platform == "local")).one()
    sign_in(client, admin)
    page = f"/console/people/{person}"

    post_form(client, page, f"{page}/accounts/{mastodon.id}/unlink")
    process_inbound(rt, add_inbound(rt, "After the unlink"))

    with rt.sessions() as session:
        unlinked = session.get_one(Account, mastodon.id)
        deliveries = session.scalars(select(Delivery.account_id)).all()
    assert (unlinked.status, unlinked.credentials) == ("unlinked", "")
    assert deliveries == [local]  # the unlinked account gets no delivery
    assert actions(rt)[-1] == ("account unlinked", "+64211234567")
    assert "Unlinked Mastodon @aroha@kiwi" in client.get(page).get_data(as_text=True)


def test_a_code_voided_by_wrong_tries_is_shown_with_what_to_do(
    client: FlaskClient, admin: SignIn, rt: Runtime, queue: Queue
) -> None:
    sign_in(client, admin)
    post_form(client, "/console/people/", "/console/people/", phone="021 555 0102", name="Tui")
    run_jobs(queue)
    person = person_row(rt, "+64215550102")
    for n in range(MAX_WRONG_CODES):
        process_inbound(rt, add_inbound(rt, f"{n:06d}", sender=person.phone, sid=f"SMw{n}"))

    page = client.get(f"/console/people/{person.id}").get_data(as_text=True)

    assert f"The code is void</strong>: {MAX_WRONG_CODES} wrong codes were texted" in page
    assert "Text a new code" in page
