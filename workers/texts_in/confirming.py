"""Confirm that a phone is its person's: a code texted to it must come back from it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from store.codes import CODE_DIGITS, MAX_WRONG_CODES, check_secret, hash_secret, new_code
from store.models import OutboundMessage, Person
from workers.texts_out import replies
from workers.texts_out.texts import queue_text

# Long enough to find the text the next day; an admin can send a new code.
CODE_VALID_FOR = timedelta(days=2)


def send_code(session: Session, person: Person, now: datetime) -> OutboundMessage:
    """Give the person a new code, replacing any earlier one, and queue the text with it."""
    code = new_code()
    person.confirm_code_hash = hash_secret(code)
    person.confirm_code_sent_at = now
    person.confirm_failures = 0
    return queue_text(session, person.phone, replies.confirm_code(code), kind="confirm_code")


def code_voided(person: Person) -> bool:
    """Whether too many wrong codes voided the phone's code (an admin sends a new one)."""
    return person.confirm_failures >= MAX_WRONG_CODES


def confirm(person: Person, body: str, now: datetime) -> bool:
    """Confirm the phone if the text is its current code; count a wrong one."""
    typed = "".join(body.split())
    sent = person.confirm_code_sent_at
    if sent is None or now - sent > CODE_VALID_FOR or code_voided(person):
        return False
    if check_secret(typed, person.confirm_code_hash):
        person.phone_confirmed_at = now
        person.confirm_code_hash = None
        person.confirm_failures = 0
        return True
    if typed.isdigit() and len(typed) == CODE_DIGITS:  # a post texted too soon is no guess
        person.confirm_failures += 1
        if code_voided(person):
            person.confirm_code_hash = None
    return False
