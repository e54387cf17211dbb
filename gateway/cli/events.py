"""`smsbridge events …`: create events, list them, and put people at them."""

from __future__ import annotations

from datetime import timedelta

import click
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.cli.context import fail, runtime
from gateway.cli.people import person_by_phone, phone_option
from store import audit
from store.db import transaction
from store.events import (
    EventError,
    join_event,
    normalise_code,
    parse_hashtags,
    parse_public_names,
    parse_time,
)
from store.models import Event, utcnow

DEFAULT_LENGTH = timedelta(days=3)


def find_event(session: Session, code: str) -> Event:
    """The event with this code, or a one-line error."""
    event = session.scalar(select(Event).where(Event.code == code.strip().upper()))
    if event is None:
        raise fail(f"no event has the code {code.strip().upper()}")
    return event


@click.group()
def events() -> None:
    """Create events and their hashtags."""


@events.command("create")
@click.option("--code", required=True, help="The join code people text, e.g. SWRB13.")
@click.option("--name", required=True)
@click.option("--hashtags", required=True, help='Hashtags to append, e.g. "#swrb13 #socialwork".')
@click.option("--starts", help="ISO 8601 start (default: now). No offset means local time.")
@click.option("--ends", help="ISO 8601 end (default: three days after the start).")
@click.option("--organiser", default="", help="Who runs it.")
def events_create(
    code: str, name: str, hashtags: str, starts: str | None, ends: str | None, organiser: str
) -> None:
    """Create an event with a join code, hashtags and a time window."""
    try:
        code = normalise_code(code)
        tags = parse_hashtags(hashtags)
        starts_at = parse_time(starts) if starts else utcnow()
        ends_at = parse_time(ends) if ends else starts_at + DEFAULT_LENGTH
    except EventError as exc:
        raise fail(str(exc)) from exc
    if not tags:
        raise fail("give at least one hashtag")
    if ends_at <= starts_at:
        raise fail("the event must end after it starts")
    try:
        with transaction(runtime().sessions) as session:
            audit.record(
                session, audit.CLI, "event created", code, f"{name.strip()}; {' '.join(tags)}"
            )
            session.add(
                Event(
                    code=code,
                    name=name.strip(),
                    hashtags=" ".join(tags),
                    starts_at=starts_at,
                    ends_at=ends_at,
                    organiser=organiser,
                )
            )
    except IntegrityError:
        raise fail(f"the code {code} is already taken") from None
    click.echo(
        f"Created {code} ({' '.join(tags)}), {starts_at:%Y-%m-%d %H:%M} to "
        f"{ends_at:%Y-%m-%d %H:%M} UTC."
    )


@events.command("check")
@click.option("--code", required=True)
@click.option("--on/--off", "on", required=True, help="Check posts for client details, or not.")
def events_check(code: str, on: bool) -> None:
    """Turn the confidentiality check on or off for an event's posts."""
    with transaction(runtime().sessions) as session:
        event = find_event(session, code)
        event.check_confidentiality = on
        audit.record(session, audit.CLI, f"event check turned {'on' if on else 'off'}", event.code)
        state = "checked" if on else "no longer checked"
        click.echo(f"Posts at {event.code} are {state} for details that could identify someone.")


@events.command("photos")
@click.option("--code", required=True)
@click.option(
    "--hold/--post", "hold", required=True, help="Hold posts with photos for YES, or post them."
)
def events_photos(code: str, hold: bool) -> None:
    """Hold an event's posts with photos until their sender texts YES, or not."""
    with transaction(runtime().sessions) as session:
        event = find_event(session, code)
        event.hold_photos = hold
        audit.record(
            session, audit.CLI, f"event photos {'held' if hold else 'not held'}", event.code
        )
        if hold:
            click.echo(f"Posts with photos at {event.code} wait for their sender's YES.")
        else:
            click.echo(f"Posts with photos at {event.code} go out without asking first.")


@events.command("posting")
@click.option("--code", required=True)
@click.option(
    "--pause/--resume", "pause", required=True, help="Stop every post of the event now, or resume."
)
def events_posting(code: str, pause: bool) -> None:
    """The event's kill switch: no post of it goes out, new or on its way, while paused."""
    with transaction(runtime().sessions) as session:
        event = find_event(session, code)
        event.posting_paused_at = utcnow() if pause else None
        audit.record(
            session, audit.CLI, f"event posting {'paused' if pause else 'resumed'}", event.code
        )
        if pause:
            click.echo(f"Posting at {event.code} is paused: nothing more goes out until --resume.")
        else:
            click.echo(f"Posting at {event.code} is back on.")


@events.command("public-names")
@click.option("--code", required=True)
@click.option(
    "--add", "added", multiple=True, help='A speaker, author or agency, e.g. "Liz Beddoe".'
)
@click.option("--remove", "removed", multiple=True, help="A name to take off the list.")
def events_public_names(code: str, added: tuple[str, ...], removed: tuple[str, ...]) -> None:
    """Show or change the names an event's posts may use without being held."""
    with transaction(runtime().sessions) as session:
        event = find_event(session, code)
        gone = {name.casefold() for name in removed}
        unknown = gone - {name.casefold() for name in event.public_name_list}
        if unknown:
            raise fail(f"{', '.join(sorted(unknown))} is not on {event.code}'s list")
        kept = [name for name in event.public_name_list if name.casefold() not in gone]
        try:
            names = parse_public_names("\n".join([*kept, *added]))
        except EventError as exc:
            raise fail(str(exc)) from exc
        if added or removed:
            event.public_names = "\n".join(names)
            audit.record(
                session,
                audit.CLI,
                "public names changed",
                event.code,
                f"added {len(added)}, removed {len(removed)}; {len(names)} in all",
            )
        if names:
            click.echo(f"Posts at {event.code} may name, without being held:")
            for name in names:
                click.echo(f"  {name}")
        else:
            click.echo(f"{event.code} has no public names yet: add them with --add.")


@events.command("list")
def events_list() -> None:
    """List events with their windows."""
    now = utcnow()
    with runtime().sessions() as session:
        rows = session.scalars(select(Event).order_by(Event.starts_at)).all()
        if not rows:
            click.echo("No events yet.")
        for event in rows:
            state = "open" if event.is_open(now) else ("over" if event.ends_at <= now else "soon")
            click.echo(
                f"{event.code}  {event.name}  {event.hashtags}  "
                f"{event.starts_at:%Y-%m-%d %H:%M} to {event.ends_at:%Y-%m-%d %H:%M} UTC "
                f"[{state}]"
            )


@events.command("join")
@click.option("--code", required=True)
@click.option("--phone", required=True)
def events_join(code: str, phone: str) -> None:
    """Put a person at an event: its hashtags go on their posts while it is open."""
    number = phone_option(phone)
    try:
        code = normalise_code(code)
    except EventError as exc:
        raise fail(str(exc)) from exc
    with transaction(runtime().sessions) as session:
        event = session.scalar(select(Event).where(Event.code == code))
        if event is None:
            raise fail(f"no event has the code {code}")
        person = person_by_phone(session, number)
        join_event(session, person, event)
        audit.record(session, audit.CLI, "attendee added", code, number)
    click.echo(f"{number} is now at {code}.")


commands = [events]
