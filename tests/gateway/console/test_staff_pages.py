"""Admin: adding sign-ins, setting passwords, roles, switching off — each audited."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from store.models import AuditEntry, Staff
from tests.gateway.console.conftest import SignIn, post_form, sign_in
from workers.runtime import Runtime

NEW = "a first password to hand over"


def staff_row(rt: Runtime, email: str) -> Staff:
    """The stored sign-in with this email."""
    with rt.sessions() as session:
        return session.scalars(select(Staff).where(Staff.email == email)).one()


def last_audit(rt: Runtime) -> tuple[str, str, str, str]:
    """The newest audit entry as (actor, action, target, detail)."""
    with rt.sessions() as session:
        row = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert row is not None
        return row.actor, row.action, row.target, row.detail


def test_an_admin_adds_an_organiser_who_can_then_sign_in(
    client: FlaskClient,
    admin: SignIn,
    rt: Runtime,
    app_client_pair: tuple[FlaskClient, FlaskClient],
) -> None:
    sign_in(client, admin)

    response = post_form(
        client,
        "/console/staff/",
        "/console/staff/",
        email=" Tui@Example.org ",
        role="organiser",
        new=NEW,
        repeat=NEW,
    )

    assert response.status_code == 302
    assert "Added tui@example.org as organiser." in client.get("/console/staff/").get_data(
        as_text=True
    )
    assert last_audit(rt) == (
        "admin@example.org",
        "staff added",
        "tui@example.org",
        "role organiser",
    )
    tui = SignIn(staff_row(rt, "tui@example.org").id, "tui@example.org", NEW)
    other_browser = app_client_pair[1]
    assert sign_in(other_browser, tui).status_code == 302


def test_an_email_in_use_is_refused_with_the_reason(
    client: FlaskClient, admin: SignIn, organiser: SignIn
) -> None:
    sign_in(client, admin)

    response = post_form(
        client,
        "/console/staff/",
        "/console/staff/",
        email=organiser.email,
        role="admin",
        new=NEW,
        repeat=NEW,
    )

    assert response.status_code == 400
    assert "organiser@example.org already has a sign-in." in response.get_data(as_text=True)


def test_passwords_that_differ_are_refused(client: FlaskClient, admin: SignIn) -> None:
    sign_in(client, admin)

    response = post_form(
        client,
        "/console/staff/",
        "/console/staff/",
        email="new@example.org",
        role="admin",
        new=NEW,
        repeat=NEW + "!",
    )

    assert response.status_code == 400
    assert "The two do not match." in response.get_data(as_text=True)


def test_an_admin_sets_another_password_and_changes_a_role(
    client: FlaskClient, admin: SignIn, organiser: SignIn, rt: Runtime
) -> None:
    sign_in(client, admin)
    page = f"/console/staff/{organiser.id}"

    reset = post_form(client, page, f"{page}/password", new=NEW, repeat=NEW)
    promoted = post_form(client, page, f"{page}/role", role="admin")

    assert (reset.status_code, promoted.status_code) == (302, 302)
    assert staff_row(rt, organiser.email).role == "admin"
    assert last_audit(rt) == (
        "admin@example.org",
        "role changed",
        organiser.email,
        "organiser to admin",
    )


def test_an_admin_cannot_demote_or_switch_off_themself(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    sign_in(client, admin)
    page = f"/console/staff/{admin.id}"

    post_form(client, page, f"{page}/role", role="organiser")
    post_form(client, "/console/", f"{page}/active")

    row = staff_row(rt, admin.email)
    assert (row.role, row.active) == ("admin", True)


def test_switching_off_signs_them_out_and_on_again_lets_them_back(
    client: FlaskClient,
    admin: SignIn,
    organiser: SignIn,
    rt: Runtime,
    app_client_pair: tuple[FlaskClient, FlaskClient],
) -> None:
    theirs = app_client_pair[1]
    sign_in(theirs, organiser)
    sign_in(client, admin)
    page = f"/console/staff/{organiser.id}"

    post_form(client, page, f"{page}/active")
    off = theirs.get("/console/").status_code
    post_form(client, page, f"{page}/active")

    assert off == 302
    assert sign_in(theirs, organiser).status_code == 302
    with rt.sessions() as session:
        switches = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.action.like("staff switched%"))
            .order_by(AuditEntry.id)
        ).all()
    assert switches == ["staff switched off", "staff switched on"]
