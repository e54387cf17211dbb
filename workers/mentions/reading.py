"""Replies and mentions back by text: read each account's new ones, number them, text them.

The sweeper enqueues `read_mentions` for every active account every
MENTIONS_EVERY_SECONDS. The first read of an account only sets its cursor, so
linking an account does not text its whole history. Each person gets at most
MENTION_TEXTS_PER_DAY such texts a day, then one digest text; opted-out numbers
get none (queue_text keeps those unsent).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from store.db import transaction
from store.models import (
    Account,
    Delivery,
    DeliveryPart,
    OutboundMessage,
    Person,
    ReceivedMention,
    utcnow,
)
from workers.dispatch import dispatch
from workers.platforms import Mention, display_name, thread_to_json
from workers.platforms.errors import AuthError, PlatformError, TransientError, Unsupported
from workers.publishing.accounts import AccountRef, connector_for, mark_needs_relink
from workers.runtime import Runtime, current
from workers.texts_out import replies
from workers.texts_out.texts import queue_text

log = logging.getLogger(__name__)

# Replies to posts older than this are not looked for post by post (Facebook).
WATCH_POSTS_FOR = timedelta(days=7)
MENTION_KIND = "mention"
DIGEST_KIND = "mention_digest"


def read_mentions(account_id: int) -> None:
    """RQ job: read one account's new replies and mentions and text them."""
    read_account(current(), account_id)


def read_account(rt: Runtime, account_id: int, now: datetime | None = None) -> None:
    """Read the account's mentions since its cursor; store and text the new ones."""
    now = now or utcnow()
    with rt.sessions() as session:
        account = session.get(Account, account_id)
        if account is None or account.status != "active":
            return
        cursor = account.mentions_cursor
        watched = watched_posts(session, account_id, now)
        ref = AccountRef.of(account)
    try:
        connector = connector_for(rt, ref)
        if not connector.reads_replies:
            _note_read(rt, account_id, now)
            return
        found = connector.mentions(cursor or None, watched)
    except TransientError as exc:
        # Come back when the platform allows, not at the next regular turn.
        _note_read(rt, account_id, now + timedelta(seconds=exc.retry_after or 0))
        return
    except AuthError as exc:
        log.info("mentions of account %s: %s", account_id, exc)
        with transaction(rt.sessions) as session:
            told = tell_relink_needed(session, account_id)
        dispatch(rt, texts=told)
        return
    except (Unsupported, PlatformError) as exc:
        log.info("mentions of account %s not read: %s", account_id, exc)
        _note_read(rt, account_id, now)
        return
    texts: list[int] = []
    with transaction(rt.sessions) as session:
        account = session.get_one(Account, account_id)
        first_read = account.mentions_cursor is None
        # "" marks an account read once with nothing found yet: its next finds are new.
        account.mentions_cursor = found.cursor or account.mentions_cursor or ""
        account.mentions_read_at = now
        if first_read:
            return  # only where to start from: older mentions are not texted
        person = session.get_one(Person, account.person_id)
        for mention in found.items:
            row = store(session, account, mention, now)
            if row is not None:
                texts.extend(text_mention(session, rt, person, account.platform, row, now))
    dispatch(rt, texts=texts)


def watched_posts(session: Session, account_id: int, now: datetime) -> list[str]:
    """Remote ids of recent posts made through the gateway on this account."""
    return [
        remote_id
        for remote_id in session.scalars(
            select(DeliveryPart.remote_id)
            .join(Delivery, DeliveryPart.delivery_id == Delivery.id)
            .where(
                Delivery.account_id == account_id,
                Delivery.status == "published",
                DeliveryPart.remote_id.is_not(None),
                DeliveryPart.posted_at > now - WATCH_POSTS_FOR,
            )
            .order_by(DeliveryPart.id)
        )
        if remote_id is not None
    ]


def store(
    session: Session, account: Account, mention: Mention, now: datetime
) -> ReceivedMention | None:
    """Keep a new mention, numbered after the person's last; None if it was seen before."""
    seen = session.scalar(
        select(ReceivedMention.id).where(
            ReceivedMention.account_id == account.id,
            ReceivedMention.remote_id == mention.remote_id,
        )
    )
    if seen is not None:
        return None
    last = session.scalar(
        select(func.max(ReceivedMention.number)).where(
            ReceivedMention.person_id == account.person_id
        )
    )
    row = ReceivedMention(
        account_id=account.id,
        person_id=account.person_id,
        number=(last or 0) + 1,
        remote_id=mention.remote_id,
        author=mention.author,
        text=mention.text,
        url=mention.url,
        answer=thread_to_json(mention.answer),
        in_reply_to=mention.in_reply_to,
        received_at=now,
    )
    session.add(row)
    session.flush()
    return row


def text_mention(
    session: Session,
    rt: Runtime,
    person: Person,
    platform: str,
    row: ReceivedMention,
    now: datetime,
) -> list[int]:
    """Text one mention, or count it against the daily cap with one digest text."""
    since = now - timedelta(days=1)
    sent_today = session.scalar(
        select(func.count(OutboundMessage.id)).where(
            OutboundMessage.to_phone == person.phone,
            OutboundMessage.kind == MENTION_KIND,
            OutboundMessage.created_at > since,
        )
    )
    cap = rt.settings.mention_texts_per_day
    if (sent_today or 0) < cap:
        row.status, row.texted_at = "texted", now
        words = replies.mention(display_name(platform), row.author, row.text, row.number)
        return [queue_text(session, person.phone, words, kind=MENTION_KIND).id]
    row.status = "capped"
    digest_sent = session.scalar(
        select(OutboundMessage.id).where(
            OutboundMessage.to_phone == person.phone,
            OutboundMessage.kind == DIGEST_KIND,
            OutboundMessage.created_at > since,
        )
    )
    if digest_sent is not None:
        return []
    return [queue_text(session, person.phone, replies.mention_digest(cap), kind=DIGEST_KIND).id]


def due_accounts(session: Session, now: datetime, every_seconds: int) -> list[int]:
    """Active accounts whose mentions were last read longer ago than the interval."""
    due = now - timedelta(seconds=every_seconds)
    return list(
        session.scalars(
            select(Account.id)
            .where(
                Account.status == "active",
                (Account.mentions_read_at.is_(None)) | (Account.mentions_read_at <= due),
            )
            .order_by(Account.id)
        ).all()
    )


def tell_relink_needed(session: Session, account_id: int) -> list[int]:
    """Flag the account; the first time, queue a text telling its person. Return the text."""
    if not mark_needs_relink(session, account_id):
        return []
    account = session.get_one(Account, account_id)
    person = session.get_one(Person, account.person_id)
    words = replies.relink_needed(display_name(account.platform), account.handle)
    return [queue_text(session, person.phone, words, kind="notice").id]


def _note_read(rt: Runtime, account_id: int, when: datetime) -> None:
    """Record that the account was read (or may next be read after `when`)."""
    with transaction(rt.sessions) as session:
        session.execute(
            update(Account).where(Account.id == account_id).values(mentions_read_at=when)
        )
