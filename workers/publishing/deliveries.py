"""publish_delivery: put one post on one account, then reply once all have ended."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from config.logs import MESSAGE_SID
from store.db import transaction, update_rows
from store.metrics import PLATFORM_ERRORS
from store.models import (
    Account,
    Delivery,
    Event,
    InboundMedia,
    InboundMessage,
    Post,
    ReceivedMention,
    utcnow,
)
from store.queueing import enqueue_broadcast, enqueue_publish_at
from workers.following.posts import share_with_followers
from workers.platforms import (
    PostImage,
    Published,
    display_name,
    thread_from_json,
)
from workers.platforms.errors import AuthError, ContentRejected, PlatformError, TransientError
from workers.publishing.accounts import AccountRef, connector_for, mark_needs_relink
from workers.publishing.compose import TooLong, compose_parts
from workers.publishing.threads import planned_parts, post_thread
from workers.runtime import Runtime, current
from workers.texts_out import replies
from workers.texts_out.sms import send_now
from workers.texts_out.texts import queue_text

log = logging.getLogger(__name__)


def publish_delivery(delivery_id: int) -> None:
    """RQ job: publish one delivery; raises only on transient errors, so RQ retries those."""
    publish(current(), delivery_id)


def publish_now(rt: Runtime, delivery_id: int) -> None:
    """Publish from the job at hand; a transient failure goes to a job, at the first backoff."""
    try:
        publish(rt, delivery_id)
    except TransientError:
        # publish noted the attempt; the job's own retries take the backoff from here.
        retry_at = utcnow() + timedelta(seconds=rt.settings.publish_backoff[0])
        try:
            enqueue_publish_at(rt.queue, delivery_id, rt.settings, retry_at, attempt=1)
        except RedisError:
            log.warning("queue unreachable; the sweeper will retry delivery %s", delivery_id)


def publish(rt: Runtime, delivery_id: int) -> None:
    """Publish one delivery unless it has already ended."""
    with transaction(rt.sessions) as session:
        # One query for the delivery and what it needs, not one for each of them.
        found = session.execute(
            select(
                Delivery,
                Post,
                Account,
                InboundMessage.message_sid,
                Event.code,
                Event.posting_paused_at,
            )
            .join(Post, Delivery.post_id == Post.id)
            .join(Account, Delivery.account_id == Account.id)
            .join(InboundMessage, Post.inbound_id == InboundMessage.id)
            .outerjoin(Event, Post.event_id == Event.id)
            .where(Delivery.id == delivery_id)
        ).one_or_none()
        if found is None:
            return
        delivery, post, account, message_sid, event_code, paused_at = found
        MESSAGE_SID.set(message_sid)  # this job's logs name the text (the worker resets it)
        if delivery.ended:
            return
        gave_up = delivery.attempts >= rt.settings.publish_attempts
        delivery.attempts += 1
        attempt = delivery.attempts
        platform, handle, account_status = account.platform, account.handle, account.status
        sealed = account.credentials
        body, tags = post.body, post.hashtags.split()
        mention_id = post.reply_to_mention_id
        mention = session.get(ReceivedMention, mention_id) if mention_id is not None else None
        reply_to = thread_from_json(mention.answer) if mention is not None else None
        images = post_images(session, post.id) if post.photos else []

    if paused_at is not None:
        # The event's kill switch: what had not gone out by then does not go.
        why = f"{event_code}'s organiser paused posting before it went out"
        end_delivery(rt, delivery_id, error=ContentRejected(platform, why))
        return
    if gave_up:
        # Every earlier attempt ended without a verdict (a crash, a killed worker):
        # end it rather than let the sweeper enqueue it for ever.
        end_delivery(rt, delivery_id, error=TransientError(platform, "gave up after many tries"))
        return
    if account_status != "active":
        end_delivery(rt, delivery_id, error=AuthError(platform, "account is not active"))
        return
    try:
        connector = connector_for(rt, AccountRef(account.id, platform, handle, sealed))
        parts = planned_parts(
            rt,
            delivery_id,
            lambda: compose_parts(body, tags, connector.limits()),
            first_try=attempt == 1,
        )
        # Stable per text and account, and unique across installations: a retry
        # or a second job for this delivery presents the same keys to the platform.
        published = post_thread(
            connector,
            rt,
            parts,
            key=f"{message_sid}-{account.id}",
            reply_to=reply_to,
            images=images,
        )
    except TooLong as exc:
        end_delivery(rt, delivery_id, error=ContentRejected(platform, f"too long ({exc})"))
    except TransientError as exc:
        if attempt >= rt.settings.publish_attempts:
            end_delivery(rt, delivery_id, error=exc)
            return
        if exc.retry_after:
            # The platform said when to come back: wait that long, not our backoff.
            retry_at = utcnow() + timedelta(seconds=exc.retry_after)
            record_attempt_error(rt, delivery_id, exc, retry_at=retry_at)
            enqueue_publish_at(rt.queue, delivery_id, rt.settings, retry_at, attempt)
            return
        record_attempt_error(rt, delivery_id, exc)
        raise
    except PlatformError as exc:
        end_delivery(rt, delivery_id, error=exc)
    else:
        text = "\n\n".join(part.text for part in parts)
        photos = min(len(images), connector.limits().max_images)
        end_delivery(rt, delivery_id, published=published, text=text, photos=photos)


def post_images(session: Session, post_id: int) -> list[PostImage]:
    """The photos that go out with a post, in the order they were sent."""
    rows = session.scalars(
        select(InboundMedia)
        .where(InboundMedia.post_id == post_id, InboundMedia.status == "stored")
        .order_by(InboundMedia.position)
    ).all()
    return [
        PostImage(row.data or b"", row.content_type, row.width, row.height, row.alt_text)
        for row in rows
    ]


def record_attempt_error(
    rt: Runtime, delivery_id: int, error: PlatformError, retry_at: datetime | None = None
) -> None:
    """Note a transient failure on a delivery that will be tried again (not before retry_at)."""
    with transaction(rt.sessions) as session:
        update_rows(
            session,
            update(Delivery)
            .where(Delivery.id == delivery_id)
            .values(last_error=str(error), error_kind=error.kind, retry_at=retry_at),
        )


def end_delivery(
    rt: Runtime,
    delivery_id: int,
    *,
    published: Published | None = None,
    text: str = "",
    photos: int = 0,
    error: PlatformError | None = None,
) -> None:
    """Record a delivery's final state and, if it was the post's last, queue the one reply.

    One transaction for both. The post's row is locked first, so of two deliveries
    ending at once on PostgreSQL the second waits and then sees the first ended:
    without the lock each would see the other still running and neither reply.
    """
    with transaction(rt.sessions) as session:
        post = session.scalars(
            select(Post)
            .join(Delivery, Delivery.post_id == Post.id)
            .where(Delivery.id == delivery_id)
            .with_for_update(of=Post)
        ).one_or_none()
        if post is None:
            return
        # Read only once the lock is held: a delivery read with it could be stale on
        # PostgreSQL, when a second job for this same delivery held the lock first.
        delivery = session.get_one(Delivery, delivery_id)
        if delivery.ended:
            return
        if published is not None:
            log.info("delivery %s published: %s", delivery_id, published.url)
            delivery.status = "published"
            delivery.text = text
            delivery.remote_id = published.remote_id
            delivery.remote_url = published.url
            delivery.photos_posted = photos
            delivery.last_error = None
            delivery.error_kind = None
        else:
            assert error is not None
            delivery.status = "failed"
            delivery.last_error = error.message
            delivery.error_kind = error.kind
            PLATFORM_ERRORS.labels(platform=error.platform, kind=error.kind).inc()
            if isinstance(error, AuthError):
                # The post's reply says so ("needs linking again"): no text of its own.
                mark_needs_relink(session, delivery.account_id)
            log.info("delivery %s failed: %s", delivery_id, error)
        reply, shared = queue_reply_once_ended(rt, session, post)
    after_post_ended(rt, reply, shared)


def finish_post(rt: Runtime, post_id: int) -> None:
    """Send the one reply for a post once every delivery has ended (the sweeper's way in)."""
    with transaction(rt.sessions) as session:
        reply, shared = queue_reply_once_ended(rt, session, lock_post(session, post_id))
    after_post_ended(rt, reply, shared)


def after_post_ended(rt: Runtime, reply: int | None, shared: int | None) -> None:
    """Send the post's reply now, and start texting it to the event's followers."""
    if reply is not None:
        send_now(rt, [reply])
    if shared is not None:
        try:
            enqueue_broadcast(rt.queue, shared)
        except RedisError:
            log.warning("queue unreachable; the sweeper will send broadcast %s", shared)


def lock_post(session: Session, post_id: int) -> Post:
    """Load a post and hold its row until the transaction ends (SQLite holds the database)."""
    return session.scalars(select(Post).where(Post.id == post_id).with_for_update()).one()


def queue_reply_once_ended(
    rt: Runtime, session: Session, post: Post
) -> tuple[int | None, int | None]:
    """Queue the post's one reply if every delivery has ended, and its broadcast to followers.

    Return the reply's id and the broadcast's, each None where there is none.
    """
    if post.replied_at is not None or not all(d.ended for d in post.deliveries):
        return None, None
    now = utcnow()
    claimed = update_rows(
        session,
        update(Post).where(Post.id == post.id, Post.replied_at.is_(None)).values(replied_at=now),
    )
    if not claimed:
        return None, None
    outcomes = [
        replies.DeliveryOutcome(
            platform=display_name(d.account.platform),
            handle=d.account.handle,
            published=d.status == "published",
            error_kind=d.error_kind,
            error=d.last_error,
            photos=d.photos_posted,
        )
        for d in post.deliveries
    ]
    words = replies.post_reply(outcomes, photos=post.photos)
    text = queue_text(session, post.person.phone, words, kind="post_reply", post_id=post.id)
    shared = share_with_followers(session, post, rt.settings, now)
    return text.id, shared.id if shared else None
