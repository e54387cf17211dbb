"""`smsbridge simulate`, `posts`, `outbox`, `sweep` and `timeline-reply`: texts in and out."""

from __future__ import annotations

import contextlib
import json
import mimetypes
import uuid
from pathlib import Path

import click
import requests

from gateway.cli.context import fail, runtime, settings
from gateway.cli.simulator import wait_for_outcome
from gateway.dev_twilio import keep_media
from gateway.signed_webhooks import inbound_params, post_signed, with_media
from store.models import TimelineEntry
from store.phones import InvalidPhone, normalise_phone
from store.reports import recent_outbound, recent_posts
from workers.platforms import LinkedAccount, Published, Thread, build_connector
from workers.sweeper import run_sweep

# Photo types mimetypes may not know: what a phone sends them as.
PHOTO_TYPES = {".heic": "image/heic", ".heif": "image/heif", ".jpg": "image/jpeg"}


@click.command()
@click.option("--from", "sender", required=True, help="The phone the text comes from.")
@click.option("--wait", default=10.0, show_default=True, help="Seconds to wait for the reply.")
@click.option(
    "--media",
    "media_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file the text carries, as an MMS (again for more; development only).",
)
@click.argument("text", default="")
def simulate(sender: str, wait: float, media_files: tuple[Path, ...], text: str) -> None:
    """Send TEXT (and --media files) to the running server as Twilio would, then show the result."""
    config = settings()
    # An odd number is sent as typed: an unknown sender is worth simulating too.
    with contextlib.suppress(InvalidPhone):
        sender = normalise_phone(sender, config.default_region)
    url = f"{config.public_url}/sms/inbound"
    if media_files and config.twilio_account_sid:
        raise fail("--media needs the development stand-in for Twilio: unset TWILIO_ACCOUNT_SID")
    message_sid = "MM" + uuid.uuid4().hex if media_files else ""
    params = inbound_params(config, sender, text, message_sid)
    if media_files:
        params = with_media(
            params,
            [
                (keep_media(config, message_sid, path.read_bytes(), content_type), content_type)
                for path in media_files
                for content_type in [media_type(path)]
            ],
        )
    try:
        response = post_signed(url, params, config.twilio_auth_token)
    except requests.ConnectionError:
        raise fail(f"nothing answers at {url}: start the server with `make run`") from None
    if response.status_code != 200:
        raise fail(f"the server answered {response.status_code} at {url}")
    photos = f" with {len(media_files)} file(s)" if media_files else ""
    click.echo(f"Sent {params['MessageSid']} from {sender}{photos}: {text}")

    outcome = wait_for_outcome(runtime().sessions, params["MessageSid"], timeout=wait)
    if not outcome.handled:
        raise fail(f"not handled within {wait:g}s: is the worker running? (smsbridge sweep)")
    if outcome.post is not None:
        click.echo(f"Post: {outcome.post['text']} {' '.join(outcome.post['hashtags'])}".rstrip())
        for delivery in outcome.post["deliveries"]:
            where = delivery["remote_url"] or delivery["error"] or ""
            click.echo(
                f"  {delivery['platform']} @{delivery['handle']}: "
                f"{delivery['status']} {where}".rstrip()
            )
    for reply in outcome.replies:
        click.echo(f"Reply to {reply['to']}: {reply['body']}")
    if not outcome.replies:
        click.echo(f"No reply within {wait:g}s.")


def media_type(path: Path) -> str:
    """The content type a phone would give a file, by its name."""
    suffix = path.suffix.lower()
    return (
        PHOTO_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@click.option("--limit", default=50, show_default=True)
def posts(as_json: bool, limit: int) -> None:
    """List recent posts and where each went."""
    with runtime().sessions() as session:
        rows = recent_posts(session, limit)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No posts yet.")
    for post in rows:
        click.echo(
            f"#{post['id']} {post['created_at'][:16]} {post['phone']}: {post['text']} "
            f"{' '.join(post['hashtags'])}".rstrip()
        )
        for d in post["deliveries"]:
            click.echo(
                f"    {d['platform']} @{d['handle']}: {d['status']} "
                f"{d['remote_url'] or d['error'] or ''}".rstrip()
            )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
@click.option("--limit", default=50, show_default=True)
def outbox(as_json: bool, limit: int) -> None:
    """List recent texts sent (or, without Twilio, kept here instead of sent)."""
    with runtime().sessions() as session:
        rows = recent_outbound(session, limit)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("The outbox is empty.")
    for text in rows:
        click.echo(
            f"{text['created_at'][:19]} to {text['to']} [{text['status']}, "
            f"{text['segments']} {text['encoding']} segment(s)]: {text['body']}"
        )


@click.command()
def sweep() -> None:
    """Enqueue work that lost its job (Redis was down, a worker died), once."""
    try:
        report = run_sweep(runtime())
    except Exception as exc:  # a dead Redis or database: say which, in one line
        raise fail(f"sweep failed: {exc}") from exc
    click.echo(
        f"Enqueued {report.inbound} inbound, {report.deliveries} deliveries, "
        f"{report.texts} texts; finished {report.replies} replies."
    )


@click.command("timeline-reply")
@click.option("--to", "entry_id", required=True, type=int, help="The post's number on /timeline.")
@click.option("--as", "handle", required=True, help="Who replies, e.g. mere.")
@click.argument("text")
def timeline_reply(entry_id: int, handle: str, text: str) -> None:
    """Reply on the local timeline as someone else, to try replies coming back by text."""
    rt = runtime()
    with rt.sessions() as session:
        entry = session.get(TimelineEntry, entry_id)
        if entry is None or entry.deleted_at is not None:
            raise fail(f"the local timeline has no post {entry_id}")
        to = Published(str(entry.id), "")
    reader = build_connector("local", LinkedAccount(0, handle.lstrip("@"), {}), rt.connectors)
    made = reader.publish(text, f"reply-{uuid.uuid4().hex}", Thread(to, to))
    click.echo(
        f"@{handle.lstrip('@')} replied: {made.url}\n"
        "The author is texted it at the next read of their account "
        f"(every {rt.settings.mentions_every_seconds}s)."
    )


commands = [simulate, posts, outbox, sweep, timeline_reply]
