"""handle_inbound: decide what one stored text is (opt-out, command, post) and do it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.logs import MESSAGE_SID
from store.db import transaction, update_rows
from store.models import InboundMedia, InboundMessage, Person, SenderNotice, utcnow
from store.opt_outs import is_opted_out, opt_in, opt_out
from store.phones import InvalidPhone, normalise_phone, region_of
from workers.dispatch import dispatch
from workers.following.strangers import answer_stranger
from workers.publishing.deliveries import publish_now
from workers.runtime import Runtime, current
from workers.texts_in import commands
from workers.texts_in.confirming import code_voided, confirm
from workers.texts_in.conversation import Conversation, Work
from workers.texts_in.guards import pin_required
from workers.texts_in.photos import discard_photos, fetch_photos
from workers.texts_out import replies
from workers.texts_out.sms import send_now
from workers.texts_out.texts import queue_text

HOURLY = timedelta(hours=1)  # how often an unconfirmed phone is answered


def handle_inbound(inbound_id: int) -> None:
    """RQ job: handle one stored inbound text, once."""
    process_inbound(current(), inbound_id)


def process_inbound(rt: Runtime, inbound_id: int) -> None:
    """Handle one inbound text; a second call for the same text does nothing."""
    now = utcnow()
    fetched = False
    while True:
        try:
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
                MESSAGE_SID.set(message.message_sid)  # for this job's logs (the worker resets it)
                has_media = message.num_media > 0
                if not fetched and photos_to_fetch(rt, session, message):
                    raise PhotosWaiting  # let go of the claim: no lock is held over I/O
                work = answer(rt, session, message, now)
            break
        except PhotosWaiting:
            fetch_photos(rt, inbound_id)
            fetched = True
    # This job publishes the first delivery and sends the texts itself, which saves
    # jobs for most texts; other deliveries go to jobs of their own, to run side by side.
    first, others = work.deliveries[:1], work.deliveries[1:]
    dispatch(rt, deliveries=others, undos=work.undos)
    send_now(rt, work.texts)
    for delivery_id in first:
        publish_now(rt, delivery_id)
    if has_media and not fetched:
        discard_photos(rt, inbound_id)  # its sender may not post: not ours to keep at Twilio


class PhotosWaiting(Exception):
    """The text's photos must be fetched from Twilio before it is handled."""


def photos_to_fetch(rt: Runtime, session: Session, message: InboundMessage) -> bool:
    """Whether an MMS has photos still at Twilio and comes from someone who may post.

    A plain text (nearly all) costs no look at all.
    """
    if not message.num_media:
        return False
    waiting = session.scalars(
        select(InboundMedia.id).where(
            InboundMedia.inbound_id == message.id, InboundMedia.status == "waiting"
        )
    ).first()
    if waiting is None:
        return False
    person = find_sender(session, message.from_phone, rt.settings.default_region, lock=False)
    return (
        person is not None
        and person.active
        and person.phone_confirmed_at is not None
        and not is_opted_out(session, person.phone)
    )


def answer(rt: Runtime, session: Session, message: InboundMessage, now: datetime) -> Work:
    """Decide what the text is and do it, in the caller's transaction."""
    settings = rt.settings
    person = find_sender(session, message.from_phone, settings.default_region)
    phone = person.phone if person is not None else message.from_phone
    has_pin = person is not None and pin_required(person, settings)
    photos = (
        message.num_media
        and session.scalars(
            select(InboundMedia.id).where(
                InboundMedia.inbound_id == message.id, InboundMedia.status == "stored"
            )
        ).first()
    )
    command = commands.parse_text(message.body, has_pin=has_pin, has_photos=bool(photos))
    body = message.body
    message.body = commands.redacted(body, command, has_pin)
    # Opting out and back in works for every number, known or not, confirmed or not.
    if isinstance(command, commands.OptOut):
        opt_out(session, phone, command.word)
        return Work()  # Twilio itself confirms an opt-out; a text from us would be refused
    if isinstance(command, commands.OptIn):
        opt_in(session, phone)
        return Work(texts=[queue_text(session, phone, replies.OPTED_IN, kind="reply").id])
    if is_opted_out(session, phone):
        message.status = "ignored"  # nothing it texts is posted until START
        return Work()
    daily = timedelta(hours=settings.unknown_sender_quiet_hours)
    if person is None:
        said = answer_stranger(session, message, command, settings, now)
        if said is not None:
            return answer_stranger_with(rt, session, phone, said, now)
        message.status = "ignored"
        if not worth_answering(rt, message.from_phone, now):
            return Work()
        return now_and_then(session, phone, "unknown_sender", replies.UNKNOWN_SENDER, now, daily)
    if not person.active:
        # The admin's kill switch: nothing posted, and the owner told now and then.
        message.status = "ignored"
        words = replies.switched_off(settings.admin_contact)
        return now_and_then(session, phone, "switched_off", words, now, daily)
    if person.phone_confirmed_at is None:
        if "".join(body.split()).isdigit():
            message.body = commands.HIDDEN  # a code, right or wrong, is not kept
        if confirm(person, body, now):
            return Work(texts=[queue_text(session, phone, replies.PHONE_CONFIRMED, "confirmed").id])
        # Anyone can fake this number as a sender, and the answers go to the phone's
        # real owner: answer seldom.
        words = replies.CODE_VOIDED if code_voided(person) else replies.UNCONFIRMED
        return now_and_then(session, phone, "unconfirmed", words, now, HOURLY)
    return Conversation(rt, session, person, message, now).handle(command)


def answer_stranger_with(
    rt: Runtime, session: Session, phone: str, said: list[tuple[str, str]], now: datetime
) -> Work:
    """Text a stranger these answers, if an unknown number is worth answering at all."""
    if not worth_answering(rt, phone, now):
        return Work()
    return Work(texts=[queue_text(session, phone, words, kind=kind).id for words, kind in said])


def worth_answering(rt: Runtime, raw_phone: str, now: datetime) -> bool:
    """Whether an unknown number gets an answer: a real number, in our regions, under the cap.

    Each answer costs money, and anyone can send from any number: a sender id, a
    40-digit string or a premium number abroad gets nothing.
    """
    settings = rt.settings
    try:
        phone = normalise_phone(raw_phone, settings.default_region)
    except InvalidPhone:
        return False
    if region_of(phone) not in settings.reply_regions:
        return False
    # One counter a day for every worker, atomic on Redis: the cap holds at any concurrency.
    key = f"smsbridge:unknown-replies:{now:%Y-%m-%d}"
    redis = rt.queue.connection
    with redis.pipeline() as pipe:
        pipe.incr(key)
        pipe.expire(key, 2 * 24 * 3600)
        count, _ = pipe.execute()
    return int(count) <= settings.unknown_replies_per_day


def now_and_then(
    session: Session, phone: str, kind: str, words: str, now: datetime, quiet: timedelta
) -> Work:
    """Text the number these words unless it was told this kind of thing within `quiet`."""
    if not should_notify(session, phone, kind, now, quiet):
        return Work()
    return Work(texts=[queue_text(session, phone, words, kind=kind).id])


def find_sender(session: Session, raw_phone: str, region: str, lock: bool = True) -> Person | None:
    """Return the person who owns this number, switched off or not, or None.

    Their row is locked until the text's transaction ends (unless `lock` is off, for a
    look that changes nothing of theirs): texts from one phone are handled one at a
    time, so a PIN count, the hourly limit or a held post's YES is read after the
    last text's change, however many workers run. (PostgreSQL needs the lock;
    SQLite's BEGIN IMMEDIATE already runs writers one at a time.)
    """
    try:
        phone = normalise_phone(raw_phone, region)
    except InvalidPhone:
        return None
    query = select(Person).where(Person.phone == phone)
    return session.scalar(query.with_for_update() if lock else query)


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
