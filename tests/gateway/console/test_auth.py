"""Signing in and out: passwords, roles, CSRF, rate limits, cookies and headers."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from config import Settings
from store.db import transaction
from store.models import AuditEntry, Staff
from store.staff import set_password
from tests.gateway.console.conftest import SignIn, app_with, post_form, sign_in
from workers.runtime import Runtime


def audit_actions(rt: Runtime) -> list[tuple[str, str, str]]:
    """Every audit entry as (actor, action, target), oldest first."""
    with rt.sessions() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        return [(row.actor, row.action, row.target) for row in rows]


def session_cookie(response: TestResponse) -> str:
    """The Set-Cookie header of Flask's session cookie."""
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_the_console_sends_a_signed_out_visitor_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/console/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/sign-in?next=")


def test_the_right_password_signs_in_and_is_audited(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    response = sign_in(client, admin)
    home = client.get("/console/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    assert "You are an <strong>admin</strong>" in home.get_data(as_text=True)
    assert ("admin@example.org", "sign-in", "admin@example.org") in audit_actions(rt)


def test_a_wrong_password_is_refused_in_plain_words(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    response = sign_in(client, admin, password="not the password at all")

    assert response.status_code == 401
    assert "That email and password do not match a sign-in." in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302
    assert audit_actions(rt) == [("signed out", "sign-in refused", "admin@example.org")]


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(
    client: FlaskClient, admin: SignIn
) -> None:
    unknown = SignIn(0, "nobody@example.org", admin.password)

    response = sign_in(client, unknown)

    assert response.status_code == 401
    assert "That email and password do not match a sign-in." in response.get_data(as_text=True)


def test_a_form_without_its_csrf_token_changes_nothing(client: FlaskClient, admin: SignIn) -> None:
    response = client.post(
        "/console/sign-in", data={"email": admin.email, "password": admin.password}
    )

    assert response.status_code == 400
    assert "sent without its security token" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_five_failures_pause_an_account_even_for_its_right_password(
    client: FlaskClient, admin: SignIn
) -> None:
    failures = [sign_in(client, admin, password=f"wrong guess {n}").status_code for n in range(5)]

    paused = sign_in(client, admin)

    assert failures == [401] * 5
    assert paused.status_code == 429
    assert "Too many sign-in attempts" in paused.get_data(as_text=True)


def test_one_address_trying_many_accounts_is_paused(client: FlaskClient, admin: SignIn) -> None:
    statuses = [
        sign_in(client, SignIn(0, f"guess{n}@example.org", "password guess")).status_code
        for n in range(21)
    ]

    assert statuses == [401] * 20 + [429]


def test_successful_sign_ins_do_not_count_against_the_limit(
    client: FlaskClient, admin: SignIn
) -> None:
    for _ in range(7):
        assert sign_in(client, admin).status_code == 302
        post_form(client, "/console/", "/console/sign-out")


def test_signing_out_ends_the_session(client: FlaskClient, admin: SignIn, rt: Runtime) -> None:
    sign_in(client, admin)

    response = post_form(client, "/console/", "/console/sign-out")

    assert response.headers["Location"] == "/console/sign-in"
    assert client.get("/console/").status_code == 302
    assert ("admin@example.org", "sign-out", "admin@example.org") in audit_actions(rt)


def test_a_new_password_ends_every_other_session(
    app_client_pair: tuple[FlaskClient, FlaskClient], admin: SignIn, rt: Runtime
) -> None:
    laptop, phone = app_client_pair
    sign_in(laptop, admin)
    sign_in(phone, admin)

    response = post_form(
        laptop,
        "/console/password",
        "/console/password",
        current=admin.password,
        new="a much longer new password",
        repeat="a much longer new password",
    )

    assert response.status_code == 302
    assert laptop.get("/console/").status_code == 200
    assert phone.get("/console/").status_code == 302
    laptop_again = SignIn(admin.id, admin.email, "a much longer new password")
    assert sign_in(phone, laptop_again).status_code == 302


def test_a_short_new_password_is_refused_with_the_reason(
    client: FlaskClient, admin: SignIn
) -> None:
    sign_in(client, admin)

    response = post_form(
        client,
        "/console/password",
        "/console/password",
        current=admin.password,
        new="short",
        repeat="short",
    )

    assert response.status_code == 200
    assert "Use at least 12 characters." in response.get_data(as_text=True)


def test_a_switched_off_sign_in_is_signed_out_at_once(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    sign_in(client, admin)
    with transaction(rt.sessions) as session:
        session.get_one(Staff, admin.id).active = False

    assert client.get("/console/").status_code == 302
    assert sign_in(client, admin).status_code == 401


def test_a_password_reset_elsewhere_signs_the_session_out(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    sign_in(client, admin)
    with transaction(rt.sessions) as session:
        set_password(session.get_one(Staff, admin.id), "set by another admin")

    assert client.get("/console/").status_code == 302


def test_an_organiser_cannot_open_admin_pages(client: FlaskClient, organiser: SignIn) -> None:
    sign_in(client, organiser)

    statuses = [client.get(path).status_code for path in ("/console/staff/", "/console/audit/")]

    assert statuses == [403, 403]
    assert client.get("/console/").status_code == 200


def test_after_sign_in_only_a_console_path_is_followed(client: FlaskClient, admin: SignIn) -> None:
    page = client.get("/console/sign-in?next=https://evil.example/")
    csrf = page.get_data(as_text=True).split('name="csrf_token"', 1)[1].split('value="', 1)[1]
    form = {"csrf_token": csrf.split('"', 1)[0], "email": admin.email, "password": admin.password}

    response = client.post("/console/sign-in?next=https://evil.example/", data=form)

    assert response.headers["Location"] == "/console/"


def test_pages_carry_a_csp_and_the_cookie_is_httponly_and_lax(
    client: FlaskClient, admin: SignIn
) -> None:
    response = sign_in(client, admin)
    page = client.get("/console/")

    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    cookie = session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development serves plain http on 127.0.0.1


def test_in_production_the_session_cookie_is_secure(settings: Settings, admin: SignIn) -> None:
    with app_with(settings, env="production") as app:
        response = sign_in(app.test_client(), admin)

    assert "Secure" in session_cookie(response)
