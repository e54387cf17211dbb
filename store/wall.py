"""An event's posts as its wall and archive show them: moderation applied, where each went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.models import Delivery, Event, Post


@dataclass(frozen=True)
class Place:
    """Where a post was published: the platform, the account's handle, the post's address."""

    platform: str
    handle: str
    url: str


@dataclass(frozen=True)
class WallPost:
    """One post of the event, as a wall shows it (never the person's phone)."""

    id: int
    text: str
    created_at: datetime
    places: tuple[Place, ...]
    pinned: bool
    hidden: bool


def event_posts(
    session: Session,
    event: Event,
    *,
    with_hidden: bool = False,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[WallPost]:
    """The event's posts published somewhere and not undone: pinned first, then newest.

    Hidden ones only `with_hidden` (the organiser's view); `until` freezes a paused wall.
    """
    query = (
        select(Post)
        .where(Post.event_id == event.id, Post.undone_at.is_(None))
        .options(selectinload(Post.deliveries).selectinload(Delivery.account))
        .order_by(Post.wall_pinned_at.is_(None), Post.wall_pinned_at.desc(), Post.id.desc())
    )
    if not with_hidden:
        query = query.where(Post.wall_hidden_at.is_(None))
    if until is not None:
        query = query.where(Post.created_at <= until)
    found = []
    for post in session.scalars(query):
        places = tuple(
            Place(d.account.platform, d.account.handle, d.remote_url or "")
            for d in post.deliveries
            if d.status == "published"
        )
        if not places:
            continue  # not on any platform (yet, or at all): nothing to link to
        text = f"{post.body} {post.hashtags}".strip() if post.hashtags else post.body
        found.append(
            WallPost(
                id=post.id,
                text=text,
                created_at=post.created_at,
                places=places,
                pinned=post.wall_pinned_at is not None,
                hidden=post.wall_hidden_at is not None,
            )
        )
        if limit is not None and len(found) >= limit:
            break
    return found
