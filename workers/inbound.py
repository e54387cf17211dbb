"""handle_inbound: decide what one stored text is, and turn a post into deliveries."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.db import transaction, update_rows
from gateway.models import (
    Account,
    Delivery,
    InboundMessage,
    Person,
    Post,
    SenderNotice,
    utcnow,
)
from gateway.phones import InvalidPhone, normalise_phone
from workers import replies
from workers.compose import hashtags_to_add
from workers.confirming import confirm
from workers.dispatch import dispatch
from workers.runtime import Runtime, current
from workers.texts import queue_text

UNCONFIRMED_QUIET = timedelta(hours=1)


def handle_inbound(inbound_id: int) -> None:
    """RQ job: handle one stored inbound text, once."""
    process_inbound(current(), inbound_id)


def process_inbound(rt: Runtime, inbound_id: int) -> None:
    """Handle one inbound text; a second call for the same text does nothing."""
    now = utcnow()
    deliveries: list[int] = []
    texts: list[int] = []
    with transaction(rt.sessions) as session:
        # Claim first: of two jobs for the same text, only one gets the row, and
        # if this transaction fails the claim rolls back with everything else.
        claimed = update_rows(
            session,
            update(InboundMessage)
            .where(InboundMessage.id == inbound_id, InboundMessage.status == "received")
            .values(status="handled", handled_at=now),
        )
        if not claimed:
            return
        message = session.get_one(InboundMessage, inbound_id)
        person = find_sender(session, message.from_phone, rt.settings.default_region)
        if person is None:
            quiet = timedelta(hours=rt.settings.unknown_sender_quiet_hours)
            if should_notify(session, message.from_phone, "unknown_sender", now, quiet):
                texts.append(
                    queue_text(
                        session, message.from_phone, replies.UNKNOWN_SENDER, kind="unknown_sender"
                    ).id
                )
            message.status = "ignored"
        elif not person.active:
            # The admin's kill switch: nothing posted, and the owner told now and then.
            quiet = timedelta(hours=rt.settings.unknown_sender_quiet_hours)
            if should_notify(session, person.phone, "switched_off", now, quiet):
                body = replies.switched_off(rt.settings.admin_contact)
                texts.append(queue_text(session, person.phone, body, kind="error").id)
            message.status = "ignored"
        elif person.phone_confirmed_at is None:
            texts.extend(confirm_phone(session, person, message.body, now))
        elif not message.body.strip():
            texts.append(queue_text(session, person.phone, replies.EMPTY_TEXT, kind="error").id)
        else:
            deliveries = create_post(session, person, message, now)
            if not deliveries:
                texts.append(
                    queue_text(session, person.phone, replies.NO_ACCOUNTS, kind="error").id
                )

    dispatch(rt, deliveries, texts)


def confirm_phone(session: Session, person: Person, body: str, now: datetime) -> list[int]:
    """Take the text as the phone's confirmation code; return the texts to send."""
    if confirm(person, body, now):
        return [queue_text(session, person.phone, replies.PHONE_CONFIRMED, kind="confirmed").id]
    # Anyone can fake this number as a sender: answer them seldom, since the answers go
    # to the phone's real owner.
    if should_notify(session, person.phone, "unconfirmed", now, UNCONFIRMED_QUIET):
        return [queue_text(session, person.phone, replies.UNCONFIRMED, kind="error").id]
    return []


def find_sender(session: Session, raw_phone: str, region: str) -> Person | None:
    """Return the person who owns this number, switched off or not, or None."""
    try:
        phone = normalise_phone(raw_phone, region)
    except InvalidPhone:
        return None
    return session.scalar(select(Person).where(Person.phone == phone))


def create_post(
    session: Session, person: Person, message: InboundMessage, now: datetime
) -> list[int]:
    """Create the post and one delivery per active account; return the delivery ids."""
    accounts = session.scalars(
        select(Account)
        .where(Account.person_id == person.id, Account.status == "active")
        .order_by(Account.id)
    ).all()
    if not accounts:
        return []
    event = person.current_event
    tags = event.tags if event is not None and event.is_open(now) else []
    post = Post(
        person_id=person.id,
        inbound_id=message.id,
        event_id=event.id if event is not None else None,
        body=message.body.strip(),
        hashtags=" ".join(hashtags_to_add(message.body, tags)),
    )
    session.add(post)
    session.flush()
    rows = [Delivery(post_id=post.id, account_id=account.id) for account in accounts]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


def should_notify(session: Session, phone: str, kind: str, now: datetime, quiet: timedelta) -> bool:
    """Claim the right to tell this number this kind of thing, at most once per quiet period."""
    try:
        with session.begin_nested():
            session.add(SenderNotice(phone=phone, kind=kind, sent_at=now))
        return True
    except IntegrityError:
        pass
    # Conditional UPDATE: of two jobs racing on the same number, one matches.
    claimed = update_rows(
        session,
        update(SenderNotice)
        .where(
            SenderNotice.phone == phone,
            SenderNotice.kind == kind,
            SenderNotice.sent_at <= now - quiet,
        )
        .values(sent_at=now),
    )
    return bool(claimed)
