"""UNDO: take a person's last post down from every platform it reached, then say what went."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.db import transaction, update_rows
from store.models import Delivery, Post, utcnow
from workers.dispatch import dispatch
from workers.platforms import display_name
from workers.platforms.errors import PlatformError, TransientError
from workers.publishing.accounts import AccountRef, connector_for
from workers.runtime import Runtime, current
from workers.texts_out import replies
from workers.texts_out.texts import queue_text

log = logging.getLogger(__name__)


class NotReady(Exception):
    """A delivery of the post is still being published: undo it once that has ended."""


@dataclass(frozen=True)
class UndoRequest:
    """What an UNDO text led to: a post to take down, or words saying why not."""

    post_id: int | None
    refusal: str = ""


def request_undo(session: Session, person_id: int, now: datetime, minutes: int) -> UndoRequest:
    """Claim the person's last post for undoing, if it is recent enough and not undone."""
    post = session.scalars(
        select(Post).where(Post.person_id == person_id).order_by(Post.id.desc()).limit(1)
    ).first()
    if post is None:
        return UndoRequest(None, replies.NOTHING_TO_UNDO)
    if post.undone_at is not None:
        return UndoRequest(None, replies.ALREADY_UNDONE)
    if now - post.created_at > timedelta(minutes=minutes):
        return UndoRequest(None, replies.too_late_to_undo(minutes))
    # A conditional UPDATE: of two UNDO texts handled at once, only one claims the post.
    claimed = update_rows(
        session,
        update(Post).where(Post.id == post.id, Post.undone_at.is_(None)).values(undone_at=now),
    )
    if not claimed:
        return UndoRequest(None, replies.ALREADY_UNDONE)
    return UndoRequest(post.id)


def undo_post(post_id: int) -> None:
    """RQ job: delete one undone post everywhere; raises to be retried while not ready."""
    take_down(current(), post_id)


def take_down(rt: Runtime, post_id: int) -> None:
    """Delete every published delivery of the post, newest part first, then reply once."""
    with rt.sessions() as session:
        post = session.get_one(Post, post_id)
        if post.undone_at is None or post.undo_replied_at is not None:
            return  # not asked for, or done already
        if not all(d.ended for d in post.deliveries):
            raise NotReady(f"post {post_id} is still being published")
        pending = [d.id for d in post.deliveries if d.status == "published"]
    failures = [words for delivery_id in pending if (words := _take_down(rt, delivery_id))]
    with transaction(rt.sessions) as session:
        claimed = update_rows(
            session,
            update(Post)
            .where(Post.id == post_id, Post.undo_replied_at.is_(None))
            .values(undo_replied_at=utcnow()),
        )
        if not claimed:
            return
        post = session.get_one(Post, post_id)
        deleted = [
            replies.where_posted(display_name(d.account.platform), d.account.handle)
            for d in post.deliveries
            if d.status == "deleted"
        ]
        text = queue_text(
            session, post.person.phone, replies.undo_done(deleted, failures), kind="undo"
        )
    dispatch(rt, texts=[text.id])


def _take_down(rt: Runtime, delivery_id: int) -> str | None:
    """Delete one delivery's parts, last first; return words for a failure, else None."""
    with rt.sessions() as session:
        delivery = session.get_one(Delivery, delivery_id)
        account = AccountRef.of(delivery.account)
        remote_ids = [p.remote_id for p in reversed(delivery.parts) if p.remote_id]
        if not remote_ids and delivery.remote_id:
            remote_ids = [delivery.remote_id]
    where = replies.where_posted(display_name(account.platform), account.handle)
    try:
        connector = connector_for(rt, account)
        for remote_id in remote_ids:
            connector.delete(remote_id)
    except TransientError:
        raise  # RQ tries the whole undo again; deleting a part twice is harmless
    except PlatformError as exc:
        log.info("undo of delivery %s failed: %s", delivery_id, exc)
        return f"{where}: {exc.message}"
    with transaction(rt.sessions) as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(status="deleted"))
    return None
