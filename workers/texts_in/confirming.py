"""Confirm that a phone is its person's: a code texted to it must come back from it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from store.codes import check_secret, hash_secret, new_code
from store.models import OutboundMessage, Person
from workers.texts_out import replies
from workers.texts_out.texts import queue_text

# Long enough for someone to find the text days later; an admin can send a new code.
CODE_VALID_FOR = timedelta(days=7)


def send_code(session: Session, person: Person, now: datetime) -> OutboundMessage:
    """Give the person a new code, replacing any earlier one, and queue the text with it."""
    code = new_code()
    person.confirm_code_hash = hash_secret(code)
    person.confirm_code_sent_at = now
    return queue_text(session, person.phone, replies.confirm_code(code), kind="confirm_code")


def confirm(person: Person, body: str, now: datetime) -> bool:
    """Confirm the phone if the text is its current code; return whether it was."""
    sent = person.confirm_code_sent_at
    if sent is None or now - sent > CODE_VALID_FOR:
        return False
    if not check_secret("".join(body.split()), person.confirm_code_hash):
        return False
    person.phone_confirmed_at = now
    person.confirm_code_hash = None
    return True
