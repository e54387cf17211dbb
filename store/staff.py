"""Console sign-ins: adding staff, hashing and checking passwords (argon2id)."""

from __future__ import annotations

import contextlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Staff, utcnow

ADMIN = "admin"
ORGANISER = "organiser"
ROLES = (ADMIN, ORGANISER)
MIN_PASSWORD = 12  # characters; length is what makes a password hard to guess

# argon2-cffi's defaults follow RFC 9106's second recommendation (argon2id, 64 MiB).
_hasher = PasswordHasher()


class StaffError(ValueError):
    """A sign-in cannot be made or changed as asked; the message says why, in plain words."""


def normalise_email(email: str) -> str:
    """Return an email address trimmed and in lower case, or raise StaffError."""
    value = email.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or len(value) > 254:
        raise StaffError(f"{email.strip()!r} is not an email address")
    return value


def check_new_password(password: str) -> None:
    """Raise StaffError unless the password is long enough to use."""
    if len(password) < MIN_PASSWORD:
        raise StaffError(f"A password needs at least {MIN_PASSWORD} characters")


def find_staff(session: Session, email: str) -> Staff | None:
    """Return the sign-in with this email, if there is one."""
    try:
        address = normalise_email(email)
    except StaffError:
        return None
    return session.scalar(select(Staff).where(Staff.email == address))


def add_staff(session: Session, email: str, role: str, password: str) -> Staff:
    """Add a sign-in; raise StaffError for a bad email, role or password, or one in use."""
    address = normalise_email(email)
    if role not in ROLES:
        raise StaffError(f"The role must be {' or '.join(ROLES)}, not {role!r}")
    check_new_password(password)
    if session.scalar(select(Staff.id).where(Staff.email == address)) is not None:
        raise StaffError(f"{address} already has a sign-in")
    staff = Staff(email=address, role=role, password_hash=_hasher.hash(password))
    session.add(staff)
    session.flush()
    return staff


def set_password(staff: Staff, password: str) -> None:
    """Give a sign-in a new password, which signs out its other sessions."""
    check_new_password(password)
    staff.password_hash = _hasher.hash(password)
    end_sessions(staff)


def end_sessions(staff: Staff) -> None:
    """Void every session of this sign-in (switched off, or a new password)."""
    staff.sessions_since = utcnow()


def password_matches(staff: Staff, password: str) -> bool:
    """Say whether the password is this sign-in's; rehash it if the parameters have grown."""
    try:
        _hasher.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
    return True


def spend_a_check() -> None:
    """Take as long as a password check, for an email with no sign-in (no timing hint)."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_dummy_hash(), "not the password")


@cache
def _dummy_hash() -> str:
    """A hash of a password nobody has, made once per process."""
    return _hasher.hash(secrets.token_hex(16))
