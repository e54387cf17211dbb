"""read_tag_posts: everyone's public posts on an event's hashtags, for its wall and archive.

From a Mastodon instance's public tag timeline (the server the organiser names) and
Bluesky's post search on an AppView (BLUESKY_APPVIEW_URL). Each platform and tag
keeps a cursor, so a read takes only what is new; the gateway's own posts, found
again on the tag, are left out (they are on the wall already).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from store.db import transaction
from store.models import Delivery, Event, Post, TagPost, utcnow
from workers.platforms import TagPosts, bluesky, mastodon
from workers.platforms.errors import PlatformError
from workers.runtime import Runtime, current

log = logging.getLogger(__name__)

READ_EVERY = timedelta(seconds=60)
AROUND = timedelta(hours=2)  # tags are read from a little before the event to after it

Reader = Callable[[str, str | None], TagPosts]


def read_tag_posts(event_id: int) -> None:
    """RQ job: read the event's hashtags once."""
    read_event_tags(current(), event_id)


def due_events(session: Session, now: datetime) -> list[int]:
    """Events whose walls show tag posts, on now or nearly, not read within READ_EVERY."""
    return list(
        session.scalars(
            select(Event.id).where(
                Event.wall_tag_posts.is_(True),
                Event.starts_at <= now + AROUND,
                Event.ends_at >= now - AROUND,
                or_(Event.tags_read_at.is_(None), Event.tags_read_at <= now - READ_EVERY),
            )
        )
    )


def readers(rt: Runtime, event: Event) -> dict[str, Reader]:
    """Where this event's tags are read: the organiser's Mastodon server, Bluesky's AppView."""
    found: dict[str, Reader] = {}
    server = event.tag_mastodon_server
    if server:
        found["mastodon"] = lambda tag, cursor: mastodon.tag_posts(server, tag, cursor)
    appview = rt.settings.bluesky_appview_url
    if appview:
        found["bluesky"] = lambda tag, cursor: bluesky.tag_posts(appview, tag, cursor)
    return found


def read_event_tags(rt: Runtime, event_id: int, now: datetime | None = None) -> int:
    """Read the event's hashtags on each platform; store what is new; return how many."""
    now = now or utcnow()
    with rt.sessions() as session:
        event = session.get(Event, event_id)
        if event is None or not event.wall_tag_posts:
            return 0
        tags = [tag.lstrip("#") for tag in event.tags]
        cursors = dict(event.tag_cursors or {})
        where = readers(rt, event)
    found: list[tuple[str, TagPosts]] = []
    for platform, read in where.items():
        for tag in tags:
            key = f"{platform}:{tag.lower()}"
            try:
                result = read(tag, cursors.get(key))
            except PlatformError as exc:
                log.info("tag #%s on %s not read: %s", tag, platform, exc)
                continue  # the next turn tries again from the same cursor
            cursors[key] = result.cursor
            found.append((platform, result))
    with transaction(rt.sessions) as session:
        event = session.get_one(Event, event_id)
        event.tag_cursors = cursors
        event.tags_read_at = now
        return store_new(session, event, found, now)


def store_new(
    session: Session, event: Event, found: list[tuple[str, TagPosts]], now: datetime
) -> int:
    """Keep the posts not seen before and not the gateway's own; return how many."""
    ours = own_copies(session, event)
    seen = {
        (platform, remote_id)
        for platform, remote_id in session.execute(
            select(TagPost.platform, TagPost.remote_id).where(TagPost.event_id == event.id)
        )
    }
    added = 0
    for platform, result in found:
        for item in result.items:
            if (platform, item.remote_id) in seen or {item.remote_id, item.url} & ours:
                continue
            seen.add((platform, item.remote_id))
            session.add(
                TagPost(
                    event_id=event.id,
                    platform=platform,
                    remote_id=item.remote_id,
                    author=item.author,
                    text=item.text,
                    url=item.url,
                    created_at=item.created_at or now,
                    found_at=now,
                )
            )
            added += 1
    return added


def own_copies(session: Session, event: Event) -> set[str]:
    """The remote ids and addresses of the gateway's own posts for the event."""
    rows = session.execute(
        select(Delivery.remote_id, Delivery.remote_url)
        .join(Post, Delivery.post_id == Post.id)
        .where(Post.event_id == event.id)
    )
    return {value for remote_id, url in rows for value in (remote_id, url) if value}
