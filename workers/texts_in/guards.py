"""Checks before a text may change anything: the PIN, its lock, and the hourly post limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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


# The rule for wrong PINs, which a faked sender can type as well as a thief:
# wrong PINs count for a day from the first, and a right PIN does not wipe them
# (else each of the owner's posts would buy a guesser more tries). At
# PIN_ATTEMPTS in a day, posting pauses for a day and the phone is told why;
# the third pause within a month locks posting until an admin unlocks it.
PIN_WINDOW = timedelta(days=1)
PIN_PAUSE = timedelta(days=1)
PAUSES_REMEMBERED = timedelta(days=30)
PAUSES_BEFORE_LOCK = 3


def check_pin(
    person: Person, typed: str | None, settings: Settings, now: datetime
) -> Refusal | None:
    """Refuse a text whose PIN is missing or wrong; pause or lock posting after wrong ones."""
    if person.posting_locked_at is not None:
        return Refusal(replies.locked(settings.admin_contact))
    if person.posting_paused_until is not None and now < person.posting_paused_until:
        return Refusal(paused(person.posting_paused_until, settings))
    if not pin_required(person, settings):
        return None
    if person.pin_hash is None:
        return Refusal(replies.SET_PIN_FIRST)
    if typed is None:
        return Refusal(replies.PIN_MISSING)
    if person.pin_failed_since is not None and now - person.pin_failed_since >= PIN_WINDOW:
        person.pin_failures, person.pin_failed_since = 0, None
    if check_secret(typed, person.pin_hash):
        return None
    person.pin_failures += 1
    person.pin_failed_since = person.pin_failed_since or now
    if person.pin_failures < settings.pin_attempts:
        return Refusal(replies.wrong_pin(settings.pin_attempts - person.pin_failures))
    return pause_posting(person, settings, now)


def pause_posting(person: Person, settings: Settings, now: datetime) -> Refusal:
    """Pause posting for a day after a day's wrong PINs; lock it at the month's third pause."""
    recent = (
        person.posting_paused_until is not None
        and now - person.posting_paused_until < PAUSES_REMEMBERED
    )
    person.pin_pauses = person.pin_pauses + 1 if recent else 1
    person.pin_failures, person.pin_failed_since = 0, None
    if person.pin_pauses >= PAUSES_BEFORE_LOCK:
        person.posting_locked_at = now
        return Refusal(replies.locked(settings.admin_contact))
    person.posting_paused_until = now + PIN_PAUSE
    return Refusal(paused(person.posting_paused_until, settings))


def paused(until: datetime, settings: Settings) -> str:
    """The words for a pause, its end in the deployment's time zone."""
    when = until.astimezone(ZoneInfo(settings.timezone)).strftime("%a %d %b %H:%M")
    return replies.paused(when, settings.admin_contact)


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
