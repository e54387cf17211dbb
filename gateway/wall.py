"""An event's live wall (/events/<CODE>/wall) for the hall's projector, and its archive after.

The wall page shows the posts at once (no script needed), then follows them with
server-sent events, or by polling where EventSource is missing. Each stream
answer ends after STREAM_SECONDS and the browser reconnects on its own (also
after a restart): a stream holds one of gunicorn's threads, never for long.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    stream_with_context,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.console.access import SignedIn
from gateway.console.words import platform_name
from gateway.services import services
from gateway.spreadsheets import csv_download
from store.models import Event
from store.wall import Reply, WallPost, event_posts

bp = Blueprint("wall", __name__, url_prefix="/events")

WALL_SIZE = 50  # posts on the wall; the archive has them all
STREAM_SECONDS = 25
CHECK_SECONDS = 1.0
RECONNECT_MS = 2000
ARCHIVE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'"
ARCHIVE_COLUMNS = ["time (UTC)", "text", "platforms", "handles", "links", "replies", "photos"]


def find_event(session: Session, code: str) -> Event:
    """The event with this code, or 404."""
    event = session.scalar(select(Event).where(Event.code == code.upper()))
    if event is None:
        abort(404)
    return event


def viewer() -> SignedIn | None:
    """Who is watching, if signed in: read before a view opens its own session.

    (Flask-Login loads the sign-in with a session of its own; inside ours, SQLite's
    write lock would make the two wait on each other.)
    """
    return current_user._get_current_object() if current_user.is_authenticated else None


def may_watch(event: Event, who: SignedIn | None) -> bool:
    """Anyone may watch a public wall; a private one, its organiser and the admins."""
    if event.wall_public:
        return True
    return who is not None and (who.is_admin or event.organiser_id == who.id)


def watched_event(session: Session, code: str, who: SignedIn | None) -> Event:
    """The event, if this visitor may watch its wall: else sign in first, or 403."""
    event = find_event(session, code)
    if not may_watch(event, who):
        if who is None:
            abort(current_app.login_manager.unauthorized())  # type: ignore[attr-defined]
        abort(403)
    return event


def post_json(post: WallPost) -> dict[str, Any]:
    """A post as the wall's script reads it: no phone, only handles and links."""
    return {
        "id": post.key,
        "text": post.text,
        "from_tag": post.from_tag,
        "time": post.created_at.isoformat(),
        "pinned": post.pinned,
        "places": [
            {"platform": platform_name(p.platform), "handle": p.handle, "url": p.url}
            for p in post.places
        ],
        "photos": list(post.photos),  # each one's description
        "photos_words": photos_words(post.photos),  # as the wall shows them
    }


def wall_state(session: Session, event: Event) -> dict[str, Any]:
    """What the wall shows now: frozen at the pause while paused, hidden posts left out."""
    posts = event_posts(session, event, until=event.wall_paused_at, limit=WALL_SIZE)
    return {
        "event": {"code": event.code, "name": event.name, "hashtags": event.hashtags},
        "paused": event.wall_paused_at is not None,
        "posts": [post_json(post) for post in posts],
    }


@bp.get("/<code>/wall")
def wall(code: str) -> str:
    """The wall page, with the posts of now; its script keeps it up to date."""
    who = viewer()
    with services().sessions() as session:
        event = watched_event(session, code, who)
        state = wall_state(session, event)
    return render_template("wall.html", state=state, code=event.code)


@bp.get("/<code>/wall.json")
def wall_json(code: str) -> Response:
    """The wall's state, for browsers without server-sent events."""
    who = viewer()
    with services().sessions() as session:
        state = wall_state(session, watched_event(session, code, who))
    response = jsonify(state)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<code>/wall/stream")
def wall_stream(code: str) -> Response:
    """Server-sent events: the wall's state each time it changes, for a while."""
    who = viewer()
    with services().sessions() as session:
        watched_event(session, code, who)
    sessions = services().sessions

    def changes() -> Iterator[str]:
        yield f"retry: {RECONNECT_MS}\n\n"
        sent = None
        deadline = time.monotonic() + STREAM_SECONDS
        while time.monotonic() < deadline:
            with sessions() as session:
                event = find_event(session, code)
                if not may_watch(event, who):
                    return  # made private meanwhile: the reconnect will be refused
                state = json.dumps(wall_state(session, event))
            # A comment when nothing changed: a closed connection is noticed and ended.
            yield f"data: {state}\n\n" if state != sent else ": waiting\n\n"
            sent = state
            time.sleep(CHECK_SECONDS)

    return Response(
        stream_with_context(changes()),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@bp.get("/<code>/archive.<kind>")
def archive(code: str, kind: str) -> Response:
    """Every post of the event, not hidden nor undone: CSV, JSON, or one standalone HTML file."""
    if kind not in ("csv", "json", "html"):
        abort(404)
    who = viewer()
    with services().sessions() as session:
        event = watched_event(session, code, who)
        posts = event_posts(session, event, with_replies=True)
        made = datetime.now().astimezone()
        name = f"{event.code.lower()}-archive.{kind}"
        if kind == "csv":
            return csv_download(ARCHIVE_COLUMNS, [archive_row(p) for p in posts], name)
        if kind == "json":
            body = json.dumps(
                {
                    "event": wall_state(session, event)["event"],
                    "archived_at": made.isoformat(),
                    "posts": [
                        {**post_json(p), "replies": [reply_json(r) for r in p.replies]}
                        for p in posts
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
            response = Response(body, mimetype="application/json")
        else:
            page = render_template(
                "archive.html",
                event=event,
                posts=posts,
                made=made,
                platform_name=platform_name,
                photos_words=photos_words,
            )
            response = Response(page, mimetype="text/html")
            # One file to publish anywhere: its styles are inline, and it has no script.
            response.headers["Content-Security-Policy"] = ARCHIVE_POLICY
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


def reply_json(reply: Reply) -> dict[str, str]:
    """A reply as the JSON archive holds it."""
    return {
        "author": reply.author,
        "text": reply.text,
        "url": reply.url,
        "time": reply.received_at.isoformat(),
    }


def photos_words(descriptions: tuple[str, ...]) -> str:
    """Photos in words, for the wall and the archive: "2 photos: Room 4 | Room 5" ("" for none)."""
    if not descriptions:
        return ""
    count = f"{len(descriptions)} photo{'s' if len(descriptions) > 1 else ''}"
    described = " | ".join(d for d in descriptions if d)
    return f"{count}: {described}" if described else count


def archive_row(post: WallPost) -> list[str]:
    """One post as a CSV row."""
    return [
        post.created_at.isoformat(),
        post.text,
        "; ".join(platform_name(p.platform) for p in post.places),
        "; ".join(p.handle for p in post.places),  # no "@": a spreadsheet reads that as a formula
        " ".join(p.url for p in post.places),
        " | ".join(f"{r.author}: {r.text}" for r in post.replies),
        photos_words(post.photos),
    ]
