"""Checks before a text may change anything: the PIN, its lock, and the hourly post limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Settings
from store.codes import check_secret
from store.models import Person, Post
from workers.texts_out import replies


@dataclass(frozen=True)
class Refusal:
    """Why a text may not go ahead, in the words to send back."""

    words: str


def pin_required(person: Person, settings: Settings) -> bool:
    """Say whether this person's texts must start with a PIN."""
    return person.pin_hash is not None or settings.require_pin


def check_pin(
    person: Person, typed: str | None, settings: Settings, now: datetime
) -> Refusal | None:
    """Refuse a text whose PIN is missing or wrong; lock posting after too many wrong ones."""
    if person.posting_locked_at is not None:
        return Refusal(replies.locked(settings.admin_contact))
    if not pin_required(person, settings):
        return None
    if person.pin_hash is None:
        return Refusal(replies.SET_PIN_FIRST)
    if typed is None:
        return Refusal(replies.PIN_MISSING)
    if check_secret(typed, person.pin_hash):
        person.pin_failures = 0
        return None
    person.pin_failures += 1
    if person.pin_failures >= settings.pin_attempts:
        # Someone may be guessing from a faked number: stop until the admin unlocks.
        person.posting_locked_at = now
        return Refusal(replies.locked(settings.admin_contact))
    return Refusal(replies.wrong_pin(settings.pin_attempts - person.pin_failures))


def over_post_limit(
    session: Session, person: Person, settings: Settings, now: datetime
) -> Refusal | None:
    """Refuse a post beyond the person's hourly limit."""
    posted = session.scalar(
        select(func.count(Post.id)).where(
            Post.person_id == person.id, Post.created_at > now - timedelta(hours=1)
        )
    )
    if (posted or 0) >= settings.posts_per_hour:
        return Refusal(replies.over_post_limit(settings.posts_per_hour))
    return None
