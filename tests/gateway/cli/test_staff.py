"""smsbridge staff: console sign-ins from the command line, passwords never on it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from gateway.cli import main
from store.models import AuditEntry, Staff
from store.staff import password_matches
from tests.gateway.cli.conftest import smsbridge
from workers.runtime import Runtime

PASSWORD = "a long enough password"


def stored(rt: Runtime, email: str) -> Staff:
    """The sign-in with this email, as stored."""
    with rt.sessions() as session:
        return session.scalars(select(Staff).where(Staff.email == email)).one()


def test_staff_add_takes_the_password_from_the_environment(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSBRIDGE_STAFF_PASSWORD", PASSWORD)

    result = smsbridge("staff", "add", "--email", "Rangi@Example.org", "--role", "organiser")

    assert result.exit_code == 0, result.output
    assert result.output == (
        "Added rangi@example.org as organiser. They sign in at /console/ with that password.\n"
    )
    staff = stored(rt, "rangi@example.org")
    assert staff.role == "organiser"
    assert staff.password_hash.startswith("$argon2id$")
    assert password_matches(staff, PASSWORD)
    with rt.sessions() as session:
        entry = session.scalars(select(AuditEntry)).one()
    assert (entry.actor, entry.action, entry.target) == ("cli", "staff added", "rangi@example.org")


def test_staff_add_asks_twice_without_echoing(rt: Runtime) -> None:
    result = CliRunner().invoke(
        main,
        ["staff", "add", "--email", "admin@example.org", "--role", "admin"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert password_matches(stored(rt, "admin@example.org"), PASSWORD)


def test_there_is_no_password_flag(rt: Runtime) -> None:
    result = CliRunner().invoke(
        main, ["staff", "add", "--email", "a@example.org", "--role", "admin", "--password", "x"]
    )

    assert result.exit_code == 2
    assert "No such option '--password'" in result.output


def test_a_short_password_or_a_taken_email_is_one_clear_line(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSBRIDGE_STAFF_PASSWORD", "short")
    short = smsbridge("staff", "add", "--email", "a@example.org", "--role", "admin")
    monkeypatch.setenv("SMSBRIDGE_STAFF_PASSWORD", PASSWORD)
    smsbridge("staff", "add", "--email", "a@example.org", "--role", "admin")
    taken = smsbridge("staff", "add", "--email", "A@example.org", "--role", "organiser")

    assert (short.exit_code, short.output) == (
        1,
        "Error: A password needs at least 12 characters\n",
    )
    assert (taken.exit_code, taken.output) == (1, "Error: a@example.org already has a sign-in\n")


def test_staff_password_sets_a_new_one_and_list_shows_everyone(
    rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSBRIDGE_STAFF_PASSWORD", PASSWORD)
    smsbridge("staff", "add", "--email", "a@example.org", "--role", "admin")
    monkeypatch.setenv("SMSBRIDGE_STAFF_PASSWORD", "another long password")

    changed = smsbridge("staff", "password", "--email", "a@example.org")
    missing = smsbridge("staff", "password", "--email", "b@example.org")
    listing = smsbridge("staff", "list")

    assert changed.output == "a@example.org has a new password.\n"
    assert password_matches(stored(rt, "a@example.org"), "another long password")
    assert (missing.exit_code, missing.output) == (
        1,
        "Error: no sign-in has the email b@example.org\n",
    )
    assert listing.output == "a@example.org  admin  on\n"
