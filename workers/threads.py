"""Post a delivery's parts as a thread, recording each part the moment it is posted.

Parts are planned once and stored, so a retry after a crash or a transient
failure posts the same texts and resumes after the last part on record; each
part presents its own idempotency key, so the platform drops a repeat of a part
whose answer never reached us.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gateway.db import transaction
from gateway.models import DeliveryPart, utcnow
from workers.platforms import Connector, Published, Thread
from workers.runtime import Runtime


@dataclass(frozen=True)
class Part:
    """One planned part of a thread, and where it landed if it is posted."""

    id: int
    position: int
    text: str
    published: Published | None


def planned_parts(rt: Runtime, delivery_id: int, plan: Callable[[], list[str]]) -> list[Part]:
    """Return the parts an earlier attempt planned, or plan them now and record them."""
    parts = read_parts(rt, delivery_id)
    if parts:
        return parts
    texts = plan()
    try:
        with transaction(rt.sessions) as session:
            session.add_all(
                DeliveryPart(delivery_id=delivery_id, position=n, text=text)
                for n, text in enumerate(texts, start=1)
            )
    except IntegrityError:
        pass  # another job for this delivery planned them first: use its plan
    return read_parts(rt, delivery_id)


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
        )
        for row in rows
    ]


def post_thread(connector: Connector, rt: Runtime, parts: list[Part], key: str) -> Published:
    """Post every part not yet posted, each replying to the one before; return the first."""
    first: Published | None = None
    previous: Published | None = None
    for part in parts:
        published = part.published
        if published is None:
            thread = Thread(root=first, parent=previous) if first and previous else None
            published = connector.publish(part.text, f"{key}-{part.position}", thread)
            record_part(rt, part.id, published)
        first = first or published
        previous = published
    if first is None:
        raise ValueError("a thread needs at least one part")
    return first


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
