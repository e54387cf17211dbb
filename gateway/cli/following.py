"""`smsbridge events followers|notify|notices`: open an event to followers, text them, watch."""

from __future__ import annotations

import click
from redis.exceptions import RedisError
from sqlalchemy import func, select

from gateway.cli.context import fail, runtime
from gateway.cli.events import find_event
from gateway.console.words import duration
from store import audit
from store.db import transaction
from store.models import Broadcast, Follow, utcnow
from store.queueing import enqueue_broadcast
from workers.following.broadcasts import (
    Cost,
    notice_cost,
    notice_recipients,
    progress,
    segments_used_today,
    start_broadcast,
)


@click.command("followers")
@click.option("--code", required=True)
@click.option(
    "--open/--closed", "opened", default=None, help="Let anyone FOLLOW it by text, or not."
)
@click.option("--digest-hours", type=click.IntRange(1, 48), help="Hours between digests.")
def events_followers(code: str, opened: bool | None, digest_hours: int | None) -> None:
    """Open an event to followers by text (or close it), and show who follows it how."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        event = find_event(session, code)
        if opened is not None and opened != event.open_to_followers:
            event.open_to_followers = opened
            action = "event opened to followers" if opened else "event closed to followers"
            audit.record(session, audit.CLI, action, event.code)
        if digest_hours is not None and digest_hours != event.digest_hours:
            event.digest_hours = digest_hours
            audit.record(session, audit.CLI, "digest hours set", event.code, str(digest_hours))
        levels = dict(
            session.execute(
                select(Follow.level, func.count())
                .where(Follow.event_id == event.id, Follow.status == "active")
                .group_by(Follow.level)
            ).all()
        )
        used = segments_used_today(session, event, rt.settings, utcnow())
        state = "open to followers" if event.open_to_followers else "closed to followers"
        click.echo(f"{event.code} is {state}: FOLLOW {event.code} NOTICES, DIGEST or ALL.")
        click.echo(
            f"Following: {levels.get('notices', 0)} notices, {levels.get('digest', 0)} digest "
            f"(every {event.digest_hours}h), {levels.get('all', 0)} all."
        )
        click.echo(f"Texts today: {used} of {rt.settings.event_daily_segments} segments.")


@click.command("notify")
@click.option("--code", required=True)
@click.option("--yes", is_flag=True, help="Send without asking (after showing the cost).")
@click.argument("words")
def events_notify(code: str, yes: bool, words: str) -> None:
    """Text a notice to an event's followers and attendees, paced behind people's replies."""
    rt = runtime()
    now = utcnow()
    with rt.sessions() as session:
        event = find_event(session, code)
        cost = notice_cost(session, event, words, rt.settings, now)
    show_cost(cost, rt.settings.sms_per_second)
    if cost.recipients == 0:
        raise fail(f"nobody follows or attends {event.code} yet: nothing was sent")
    if cost.total > cost.left_today:
        raise fail(
            f"that is {cost.total} segments and {event.code} has {cost.left_today} left today "
            f"(EVENT_DAILY_SEGMENTS): nothing was sent"
        )
    if not yes:
        click.confirm("Send it?", abort=True)
    with transaction(rt.sessions) as session:
        event = find_event(session, code)
        phones = notice_recipients(session, event)
        broadcast = start_broadcast(session, event, "notice", cost.text, phones, audit.CLI)
        audit.record(
            session, audit.CLI, "notice sent", event.code, f"to {len(phones)}: {cost.text}"
        )
        broadcast_id = broadcast.id
    try:
        enqueue_broadcast(rt.queue, broadcast_id)
    except RedisError:
        click.echo("The queue is unreachable: the worker's sweeper will send it shortly.")
    click.echo(f"Notice {broadcast_id} is sending to {len(phones)}: see `events notices`.")


def show_cost(cost: Cost, per_second: float) -> None:
    """Say what a notice will be and cost, before it goes."""
    click.echo(f"Text: {cost.text}")
    if cost.shortened:
        click.echo(f"(shortened to fit {cost.segments_each} segment(s))")
    click.echo(
        f"To {cost.recipients} phone(s), {cost.segments_each} segment(s) each: "
        f"{cost.total} in all; {cost.left_today} of {cost.budget} left today."
    )
    click.echo(f"At {per_second:g} segment(s) a second: about {duration(cost.seconds)}.")


@click.command("notices")
@click.option("--code", required=True)
def events_notices(code: str) -> None:
    """List an event's broadcasts (notices, digests, followed posts) and how far each has got."""
    with runtime().sessions() as session:
        event = find_event(session, code)
        sent = session.scalars(
            select(Broadcast).where(Broadcast.event_id == event.id).order_by(Broadcast.id.desc())
        ).all()
        if not sent:
            click.echo(f"{event.code} has sent nothing to its followers yet.")
        for broadcast in sent:
            counts = progress(session, broadcast.id)
            click.echo(
                f"{broadcast.id}  {broadcast.created_at:%Y-%m-%d %H:%M} UTC  {broadcast.kind}  "
                f"{broadcast.status}: {counts['sent']} sent, {counts['waiting']} waiting, "
                f"{counts['failed']} failed, {counts['skipped']} not sent  {broadcast.body}"
            )


commands = [events_followers, events_notify, events_notices]
