"""Events: their codes, hashtags and windows, and who is attending."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Attendance, Event, Person, utcnow

CODE = re.compile(r"^[A-Z0-9]{3,30}$")
TAG = re.compile(r"^#?(\w+)$")
MAX_PUBLIC_NAMES = 500
MAX_PUBLIC_NAME_LENGTH = 100


class EventError(ValueError):
    """An event's details cannot be used as given; the message says why."""


def normalise_code(code: str) -> str:
    """Return a join code in capitals; codes are 3 to 30 letters and digits."""
    value = code.strip().upper()
    if not CODE.match(value):
        raise EventError(f"{code!r} is not a join code: use 3 to 30 letters and digits")
    return value


def parse_hashtags(raw: str, marked: bool = False) -> list[str]:
    """Return '#a #b' or 'a, b' as ['#a', '#b'], each once, in the order given.

    `marked`: every tag must start with '#', so '#social work' is an error (a
    hashtag cannot hold a space) rather than two tags.
    """
    tags: list[str] = []
    for word in re.split(r"[\s,]+", raw.strip()):
        if not word:
            continue
        if marked and not word.startswith("#"):
            raise EventError(
                f"{word!r} has no # in front: a hashtag cannot hold a space "
                f"(write #{word} on its own, or join the words)"
            )
        match = TAG.match(word)
        if not match:
            raise EventError(f"{word!r} is not a hashtag: use letters, digits and _ only")
        tag = f"#{match.group(1)}"
        if tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    return tags


def parse_public_names(raw: str) -> list[str]:
    """Return public names given one a line as a list: trimmed, each once, in the order given."""
    names: list[str] = []
    for line in raw.splitlines():
        name = " ".join(line.split())
        if not name:
            continue
        if len(name) > MAX_PUBLIC_NAME_LENGTH:
            raise EventError(
                f"{name[:30]!r}... is too long for a name: "
                f"{MAX_PUBLIC_NAME_LENGTH} characters at most"
            )
        if name.casefold() not in {known.casefold() for known in names}:
            names.append(name)
    if len(names) > MAX_PUBLIC_NAMES:
        raise EventError(f"{len(names)} public names is too many: {MAX_PUBLIC_NAMES} at most")
    return names


def parse_time(raw: str) -> datetime:
    """Read an ISO 8601 time; without an offset it is taken as this machine's local time."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError as exc:
        raise EventError(f"{raw!r} is not a time: use e.g. 2026-11-24T09:00+13:00") from exc
    return (value if value.tzinfo else value.astimezone()).astimezone(UTC)


def join_event(session: Session, person: Person, event: Event) -> None:
    """Make the event the person's current one, keeping the attendance history."""
    attended = session.scalar(
        select(Attendance).where(Attendance.person_id == person.id, Attendance.event_id == event.id)
    )
    if attended is None:
        session.add(Attendance(person_id=person.id, event_id=event.id, joined_at=utcnow()))
    person.current_event_id = event.id


def check_window(starts_at: datetime, ends_at: datetime) -> None:
    """Raise EventError unless the event ends after it starts."""
    if ends_at <= starts_at:
        raise EventError("the event must end after it starts")


def leave_event(session: Session, person: Person, event: Event) -> bool:
    """Take a person off an event's attendees; return whether they were on it."""
    attended = session.scalar(
        select(Attendance).where(Attendance.person_id == person.id, Attendance.event_id == event.id)
    )
    if person.current_event_id == event.id:
        person.current_event_id = None
    if attended is None:
        return False
    session.delete(attended)
    return True
