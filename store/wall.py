"""An event's posts as its wall and archive show them: moderation applied, where each went."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from store.models import Delivery, Event, InboundMedia, Post, ReceivedMention, TagPost


@dataclass(frozen=True)
class Place:
    """Where a post was published: the platform, the account's handle, the post's address."""

    platform: str
    handle: str
    url: str


@dataclass(frozen=True)
class Reply:
    """A reply that came back to a post on one of its platforms."""

    author: str
    text: str
    url: str
    received_at: datetime


@dataclass(frozen=True)
class WallPost:
    """One post of the event, as a wall shows it (never the person's phone).

    Texted posts have keys "p<id>"; public posts found on the event's hashtags, "t<id>".
    """

    key: str
    text: str
    created_at: datetime
    places: tuple[Place, ...]
    pinned_at: datetime | None
    hidden: bool
    replies: tuple[Reply, ...] = ()
    from_tag: bool = False
    # Each photo's description: the wall and archive name the photos and link to the
    # platforms' copies, not ours (which retention erases).
    photos: tuple[str, ...] = ()

    @property
    def pinned(self) -> bool:
        """Whether the organiser pinned it to the wall's top."""
        return self.pinned_at is not None


def event_posts(
    session: Session,
    event: Event,
    *,
    with_hidden: bool = False,
    until: datetime | None = None,
    limit: int | None = None,
    with_replies: bool = False,
) -> list[WallPost]:
    """The event's posts published somewhere and not undone, and those found on its tags.

    Pinned first, then newest. Hidden ones only `with_hidden` (the organiser's view);
    `until` freezes a paused wall.
    """
    found = texted_posts(session, event, with_hidden, until, with_replies)
    if event.wall_tag_posts:
        found += found_on_tags(session, event, with_hidden, until)
    found.sort(key=lambda post: post.created_at, reverse=True)
    found.sort(key=lambda post: post.pinned_at or NEVER, reverse=True)
    return found[:limit] if limit is not None else found


NEVER = datetime.min.replace(tzinfo=UTC)


def texted_posts(
    session: Session,
    event: Event,
    with_hidden: bool,
    until: datetime | None,
    with_replies: bool,
) -> list[WallPost]:
    """The posts texted in for the event that reached a platform, not undone."""
    query = (
        select(Post)
        .where(Post.event_id == event.id, Post.undone_at.is_(None))
        .options(selectinload(Post.deliveries).selectinload(Delivery.account))
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
                key=f"p{post.id}",
                text=text,
                created_at=post.created_at,
                places=places,
                pinned_at=post.wall_pinned_at,
                hidden=post.wall_hidden_at is not None,
                replies=replies_to(session, post) if with_replies else (),
                photos=photo_descriptions(session, post),
            )
        )
    return found


def photo_descriptions(session: Session, post: Post) -> tuple[str, ...]:
    """The descriptions of the photos a post went out with, in order (none: no look)."""
    if not post.photos:
        return ()
    return tuple(
        session.scalars(
            select(InboundMedia.alt_text)
            .where(InboundMedia.post_id == post.id)
            .order_by(InboundMedia.position)
        )
    )


def found_on_tags(
    session: Session, event: Event, with_hidden: bool, until: datetime | None
) -> list[WallPost]:
    """The public posts found on the event's hashtags (a paused wall: found before it)."""
    query = select(TagPost).where(TagPost.event_id == event.id)
    if not with_hidden:
        query = query.where(TagPost.wall_hidden_at.is_(None))
    if until is not None:
        query = query.where(TagPost.found_at <= until)
    return [
        WallPost(
            key=f"t{found.id}",
            text=found.text,
            created_at=found.created_at,
            places=(Place(found.platform, found.author, found.url),),
            pinned_at=found.wall_pinned_at,
            hidden=found.wall_hidden_at is not None,
            from_tag=True,
        )
        for found in session.scalars(query)
    ]


def replies_to(session: Session, post: Post) -> tuple[Reply, ...]:
    """The replies read back from the post's accounts to one of its copies, oldest first."""
    copies = [
        (d.account_id, d.remote_id)
        for d in post.deliveries
        if d.status == "published" and d.remote_id
    ]
    if not copies:
        return ()
    found = session.scalars(
        select(ReceivedMention)
        .where(ReceivedMention.in_reply_to.in_([remote for _, remote in copies]))
        .order_by(ReceivedMention.received_at, ReceivedMention.id)
    )
    return tuple(
        Reply(m.author, m.text, m.url, m.received_at)
        for m in found
        if (m.account_id, m.in_reply_to) in copies
    )
