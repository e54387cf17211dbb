"""Staff sign-ins: emails read as people type them, argon2id hashes, sessions voided on change."""

from __future__ import annotations

import pytest

from store.db import transaction
from store.staff import (
    StaffError,
    add_staff,
    end_sessions,
    find_staff,
    normalise_email,
    password_matches,
    set_password,
)
from workers.runtime import Runtime

PASSWORD = "long enough to use"


@pytest.mark.parametrize(
    ("typed", "read"),
    [(" Tui@Example.ORG ", "tui@example.org"), ("a.b+c@sub.example.nz", "a.b+c@sub.example.nz")],
)
def test_emails_are_read_trimmed_and_in_lower_case(typed: str, read: str) -> None:
    assert normalise_email(typed) == read


@pytest.mark.parametrize("typed", ["", "tui", "tui@", "@example.org", "tui@localhost", "a b@c.org"])
def test_what_is_not_an_email_is_refused(typed: str) -> None:
    with pytest.raises(StaffError, match="is not an email address"):
        normalise_email(typed)


def test_a_sign_in_keeps_only_an_argon2id_hash_and_checks_it(rt: Runtime) -> None:
    with transaction(rt.sessions) as session:
        staff = add_staff(session, "Tui@Example.org", "organiser", PASSWORD)

    assert staff.email == "tui@example.org"
    assert staff.password_hash.startswith("$argon2id$") and PASSWORD not in staff.password_hash
    assert password_matches(staff, PASSWORD)
    assert not password_matches(staff, PASSWORD.upper())


def test_a_bad_role_short_password_or_taken_email_is_refused(rt: Runtime) -> None:
    with transaction(rt.sessions) as session:
        add_staff(session, "tui@example.org", "admin", PASSWORD)
        with pytest.raises(StaffError, match="The role must be admin or organiser"):
            add_staff(session, "a@example.org", "owner", PASSWORD)
        with pytest.raises(StaffError, match="A password needs at least 12 characters"):
            add_staff(session, "a@example.org", "admin", "short")
        with pytest.raises(StaffError, match=r"tui@example\.org already has a sign-in"):
            add_staff(session, "TUI@example.org", "organiser", PASSWORD)


def test_a_new_password_or_a_switch_off_moves_sessions_since(rt: Runtime) -> None:
    with transaction(rt.sessions) as session:
        staff = add_staff(session, "tui@example.org", "admin", PASSWORD)
        first = staff.sessions_since
        set_password(staff, "another long password")
        second = staff.sessions_since
        end_sessions(staff)

    assert first < second < staff.sessions_since
    assert password_matches(staff, "another long password")
    with rt.sessions() as session:
        assert find_staff(session, " TUI@example.org") is not None
        assert find_staff(session, "not an email") is None
