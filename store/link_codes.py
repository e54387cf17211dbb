"""One-time codes a person texts LINK for, then types on a computer to link accounts."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.codes import new_code
from store.models import LinkCode

LINK_CODE_DIGITS = 8
LINK_CODE_LIFETIME = timedelta(minutes=30)


def digest(code: str, secret_key: str) -> str:
    """The code's HMAC: what is stored and looked up, never the code itself."""
    digits = "".join(ch for ch in code if ch.isdigit())
    return hmac.new(secret_key.encode(), digits.encode(), hashlib.sha256).hexdigest()


def new_link_code(session: Session, person_id: int, secret_key: str, now: datetime) -> str:
    """Make a code for the person, as '1234 5678' (easier to read off a small screen)."""
    code = new_code(LINK_CODE_DIGITS)
    session.add(
        LinkCode(
            person_id=person_id,
            digest=digest(code, secret_key),
            created_at=now,
            expires_at=now + LINK_CODE_LIFETIME,
        )
    )
    return f"{code[:4]} {code[4:]}"


def redeem_link_code(session: Session, typed: str, secret_key: str, now: datetime) -> int | None:
    """Use up a code typed in; return its person, or None for a wrong, old or used one.

    One conditional UPDATE: of two tabs typing the same code at once, one gets it.
    """
    used = session.execute(
        update(LinkCode)
        .where(
            LinkCode.digest == digest(typed, secret_key),
            LinkCode.used_at.is_(None),
            LinkCode.expires_at > now,
        )
        .values(used_at=now)
        .returning(LinkCode.person_id)
    ).scalar_one_or_none()
    return used
