"""The digest: every few hours, an event's most-replied and organiser-pinned posts, in one text.

It goes to DIGEST followers, and to ALL followers who have had their day's posts.
The sweeper starts one for each event whose digest is due (digest_hours after the
last, or after the event began); an event with nothing new sends none.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Settings
from store.models import Broadcast, Event, Follow
from store.wall import WallPost, event_posts
from workers.following.broadcasts import start_broadcast
from workers.following.posts import at_daily_cap
from workers.texts_out.replies import in_gsm7
from workers.texts_out.reply_parts import Handle, Phrase, Quote
from workers.texts_out.segments import count_segments
from workers.texts_out.sms_fit import fit_segments

PICKS = 3  # posts a digest names at most, before fitting shortens it
SEPARATOR = " | "
CUT = "..."
GSM7_SEGMENT, GSM7_PART = 160, 153  # characters in one segment, and in each of several


def due_digests(session: Session, now: datetime) -> list[int]:
    """The events open to followers, running now, whose digest is due."""
    running = session.scalars(
        select(Event).where(
            Event.open_to_followers.is_(True), Event.starts_at <= now, Event.ends_at > now
        )
    )
    return [
        event.id
        for event in running
        if (event.last_digest_at or event.starts_at) + timedelta(hours=event.digest_hours) <= now
    ]


def start_digest(
    session: Session, event: Event, settings: Settings, now: datetime
) -> Broadcast | None:
    """Start the event's digest of the posts since the last; None if nothing or nobody."""
    since = event.last_digest_at or event.starts_at
    event.last_digest_at = now
    picked = pick(event_posts(session, event, with_replies=True), since)
    if not picked:
        return None
    phones = digest_recipients(session, event, settings, now)
    if not phones:
        return None
    text = digest_text(event.code, picked, settings.broadcast_segments)
    return start_broadcast(session, event, "digest", text, phones, "digest")


def pick(posts: Sequence[WallPost], since: datetime) -> list[WallPost]:
    """The texted posts since then, pinned first, then the most replied to, then the newest."""
    fresh = [p for p in posts if p.key.startswith("p") and p.created_at > since and p.places]
    fresh.sort(key=lambda p: (p.pinned, len(p.replies), p.created_at), reverse=True)
    return fresh[:PICKS]


def digest_text(code: str, posts: Sequence[WallPost], segments: int) -> str:
    """The digest's text: each post's author and words, an equal share of the room each.

    Fewer posts when even short shares do not fit; then the usual fitting as a last resort.
    """
    head = f"{code} digest: "
    room = (GSM7_SEGMENT if segments == 1 else GSM7_PART * segments) - len(head)
    for shown in range(len(posts), 0, -1):
        share = (room - len(SEPARATOR) * (shown - 1)) // shown
        items = [digest_item(post, share) for post in posts[:shown]]
        text = head + SEPARATOR.join(items)
        if count_segments(text).segments <= segments:
            return text
    first = posts[0]
    return fit_segments(
        Phrase(
            "{head}{who}: {words}", head=head, who=Handle(author(first)), words=Quote(first.text)
        ),
        segments,
    )


def digest_item(post: WallPost, room: int) -> str:
    """One post in the digest, "@aroha: words... (3 replies)", in at most `room` characters."""
    replies = f" ({len(post.replies)} replies)" if len(post.replies) > 1 else ""
    who = f"@{author(post)}: "
    return who + cut_words(in_gsm7(post.text), room - len(who) - len(replies)) + replies


def cut_words(text: str, room: int) -> str:
    """The words, cut at a word's end with "..." to fit the room."""
    if len(text) <= room:
        return text
    cut = text[: max(room - len(CUT), 0)]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(",;:") + CUT


def author(post: WallPost) -> str:
    """The handle a post went out under (the first platform's)."""
    return post.places[0].handle.lstrip("@")


def digest_recipients(
    session: Session, event: Event, settings: Settings, now: datetime
) -> list[str]:
    """DIGEST followers, and ALL followers who have had their day's posts."""
    follows = session.execute(
        select(Follow.phone, Follow.level).where(
            Follow.event_id == event.id,
            Follow.status == "active",
            Follow.level.in_(("digest", "all")),
        )
    ).all()
    return sorted(
        phone
        for phone, level in follows
        if level == "digest" or at_daily_cap(session, phone, settings, now)
    )
