"""Post a delivery's parts as a thread, recording each part the moment it is posted.

Parts are planned once and stored, so a retry after a crash or a transient
failure posts the same texts and resumes after the last part on record; each
part presents its own idempotency key, so the platform drops a repeat of a part
whose answer never reached us.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from store.db import transaction
from store.models import DeliveryPart, utcnow
from workers.platforms import Connector, PostImage, Published, Thread
from workers.platforms.errors import DuplicatePost, TransientError
from workers.runtime import Runtime

# Look for an earlier try's post from a little before it was made: the platform's
# clock and ours may disagree by this much.
CLOCK_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class Part:
    """One planned part of a thread, and where it landed if it is posted."""

    id: int
    position: int
    text: str
    published: Published | None
    attempted_at: datetime | None = None  # when it was first tried, if it has been


def planned_parts(
    rt: Runtime, delivery_id: int, plan: Callable[[], list[str]], first_try: bool = False
) -> list[Part]:
    """Return the parts an earlier attempt planned, or plan them now and record them.

    On a delivery's `first_try` no earlier attempt can have planned any: no look.
    """
    parts = [] if first_try else read_parts(rt, delivery_id)
    if parts:
        return parts
    rows = [
        DeliveryPart(delivery_id=delivery_id, position=n, text=text)
        for n, text in enumerate(plan(), start=1)
    ]
    try:
        with transaction(rt.sessions) as session:
            session.add_all(rows)
    except IntegrityError:
        return read_parts(rt, delivery_id)  # another job planned them first: use its plan
    return [Part(row.id, row.position, row.text, None) for row in rows]


def read_parts(rt: Runtime, delivery_id: int) -> list[Part]:
    """Return the delivery's recorded parts in order."""
    with rt.sessions() as session:
        rows = session.scalars(
            select(DeliveryPart)
            .where(DeliveryPart.delivery_id == delivery_id)
            .order_by(DeliveryPart.position)
        ).all()
    return [
        Part(
            row.id,
            row.position,
            row.text,
            Published(row.remote_id, row.remote_url or "", row.cid or "")
            if row.remote_id
            else None,
            row.attempted_at,
        )
        for row in rows
    ]


def post_thread(
    connector: Connector,
    rt: Runtime,
    parts: list[Part],
    key: str,
    reply_to: Thread | None = None,
    images: Sequence[PostImage] = (),
) -> Published:
    """Post every part not yet posted, each replying to the one before; return the first.

    With `reply_to`, the first part answers someone else's post, in their conversation.
    The photos go with the first part, as many as the platform takes.
    """
    allowed = list(images[: connector.limits().max_images])
    first: Published | None = None
    previous: Published | None = None
    for part in parts:
        published = part.published
        if published is None:
            if first and previous:
                root = reply_to.root if reply_to else first
                thread: Thread | None = Thread(root=root, parent=previous)
            else:
                thread = reply_to
            with_images = allowed if part.position == 1 else []
            published = post_part(
                connector, rt, part, f"{key}-{part.position}", thread, with_images
            )
        first = first or published
        previous = published
    if first is None:
        raise ValueError("a thread needs at least one part")
    return first


def post_part(
    connector: Connector,
    rt: Runtime,
    part: Part,
    key: str,
    thread: Thread | None,
    images: Sequence[PostImage] = (),
) -> Published:
    """Post one part, or find it on the platform if an earlier try landed unanswered."""
    since = part.attempted_at - CLOCK_SLACK if part.attempted_at else None
    found = connector.find_published(part.text, since, thread) if since else None
    if found is None:
        mark_attempted(rt, part.id)
        try:
            found = connector.publish(part.text, key, thread, images)
        except DuplicatePost as exc:
            if since is None:
                raise  # never tried before: the person posted this same text recently
            found = exc.existing or connector.find_published(part.text, since, thread)
            if found is None:
                # The platform has it but does not show it yet: look again later.
                raise TransientError(exc.platform, "posted, but not shown yet") from exc
    record_part(rt, part.id, found)
    return found


def mark_attempted(rt: Runtime, part_id: int) -> None:
    """Note the first try of a part, before the call whose answer may be lost."""
    with transaction(rt.sessions) as session:
        session.execute(
            update(DeliveryPart)
            .where(DeliveryPart.id == part_id, DeliveryPart.attempted_at.is_(None))
            .values(attempted_at=utcnow())
        )


def record_part(rt: Runtime, part_id: int, published: Published) -> None:
    """Store where a part landed, before posting the next one."""
    with transaction(rt.sessions) as session:
        session.execute(
            update(DeliveryPart)
            .where(DeliveryPart.id == part_id)
            .values(
                remote_id=published.remote_id,
                remote_url=published.url,
                cid=published.cid or None,
                posted_at=utcnow(),
            )
        )
