"""FOLLOW and UNFOLLOW by text, with the consent on record; a number we do not know confirms first.

A registered, confirmed person follows at once. Anyone else is sent a code (their
number could be someone else's, typed in by a prankster) and follows once it
comes back from that phone. Every follow keeps when it was asked and the words
that asked; a new FOLLOW ends the old one and starts another, so the record holds
each consent and its end. STOP ends them all (store.opt_outs); START does not
bring them back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.codes import CODE_DIGITS, MAX_WRONG_CODES, check_secret, hash_secret, new_code
from store.follows import LIVE, end_follows
from store.models import Event, Follow, InboundMessage
from workers.texts_in.attending import event_not_over
from workers.texts_out import replies

CODE_VALID_FOR = timedelta(days=2)
CODE_QUIET = timedelta(minutes=10)  # a number gets at most one follow code this often


def find_followable(session: Session, code: str, now: datetime) -> Event | str:
    """The event this code names, if it may be followed now; else the words saying why not."""
    event = event_not_over(session, code, now)
    if isinstance(event, str):
        return event
    if not event.open_to_followers:
        return replies.not_open_to_followers(event.code)
    return event


def follow(
    session: Session,
    phone: str,
    event: Event,
    level: str,
    message: InboundMessage,
    now: datetime,
    confirmed: bool,
) -> tuple[Follow, str | None]:
    """Start a follow of the event, ending any earlier one; return it and a code to text back.

    `confirmed`: the phone is known to be its sender's (a confirmed person), so the
    follow starts at once; otherwise it waits for the code (returned, never stored).
    A code sent in the last CODE_QUIET is not sent again (no code is returned): else
    anyone could have a stranger's phone texted over and over.
    """
    if not confirmed:
        waiting = session.scalars(
            select(Follow).where(
                Follow.event_id == event.id,
                Follow.phone == phone,
                Follow.status == "confirming",
                Follow.code_sent_at > now - CODE_QUIET,
            )
        ).first()
        if waiting is not None:
            waiting.level, waiting.asked_with = level, message.body[:200]
            return waiting, None
    end_follows(session, phone, "FOLLOW again", now, event_id=event.id)
    code = None if confirmed else new_code()
    started = Follow(
        event_id=event.id,
        phone=phone,
        level=level,
        status="active" if confirmed else "confirming",
        asked_at=now,
        asked_with=message.body[:200],
        inbound_id=message.id,
        confirmed_at=now if confirmed else None,
        code_hash=hash_secret(code) if code else None,
        code_sent_at=now if code else None,
    )
    session.add(started)
    session.flush()
    return started, code


def confirm_follow(session: Session, phone: str, body: str, now: datetime) -> Follow | None:
    """Start the phone's follow waiting for this code, if the text is that code."""
    typed = "".join(body.split())
    if not (typed.isdigit() and len(typed) == CODE_DIGITS):
        return None
    waiting = session.scalars(
        select(Follow)
        .where(Follow.phone == phone, Follow.status == "confirming")
        .order_by(Follow.asked_at.desc())
    ).first()
    if waiting is None or waiting.code_sent_at is None:
        return None
    if now - waiting.code_sent_at > CODE_VALID_FOR or waiting.code_failures >= MAX_WRONG_CODES:
        return None
    if not check_secret(typed, waiting.code_hash):
        waiting.code_failures += 1
        return None
    waiting.status, waiting.confirmed_at, waiting.code_hash = "active", now, None
    return waiting


def is_confirming(session: Session, phone: str) -> bool:
    """Whether the number has a follow waiting for its code."""
    found = session.scalar(
        select(Follow.id).where(Follow.phone == phone, Follow.status == "confirming").limit(1)
    )
    return found is not None


def live_follows(session: Session, phone: str) -> list[Follow]:
    """The number's follows that have not ended, active or waiting for their code."""
    return list(
        session.scalars(select(Follow).where(Follow.phone == phone, Follow.status.in_(LIVE)))
    )


def unfollow(session: Session, phone: str, code: str | None, now: datetime) -> str:
    """End the number's follows (of the event named, if a code is given); return the words."""
    follows = live_follows(session, phone)
    if code is not None:
        follows = [f for f in follows if event_code(session, f) == code.upper()]
    if not follows:
        return replies.NOT_FOLLOWING if code is None else replies.not_following(code.upper())
    codes = sorted({event_code(session, f) for f in follows})
    for ended in follows:
        ended.status, ended.ended_at, ended.ended_by = "ended", now, "UNFOLLOW"
    return replies.unfollowed(codes)


def event_code(session: Session, follow: Follow) -> str:
    """The code of the event a follow is of."""
    return session.get_one(Event, follow.event_id).code
