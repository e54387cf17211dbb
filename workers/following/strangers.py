"""What a number we do not know may text: FOLLOW (with a code to confirm), the code, UNFOLLOW, HELP.

Pure of queuing: it returns the words to send and their kind; the caller decides
whether an unknown number is worth answering at all (it costs money, and anyone
can send from any number).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from store.models import Event, InboundMessage
from workers.following.follows import (
    confirm_follow,
    find_followable,
    follow,
    is_confirming,
    live_follows,
    unfollow,
)
from workers.texts_in import commands
from workers.texts_out import replies

FOLLOW_CODE = "follow_code"  # the kind of the text that carries a code


def answer_stranger(
    session: Session,
    message: InboundMessage,
    command: commands.Command,
    settings: Settings,
    now: datetime,
) -> list[tuple[str, str]] | None:
    """The texts (words, kind) that answer a stranger's follow texts; None for anything else."""
    phone = message.from_phone
    match command:
        case commands.Follow(code=code, level=level):
            event = find_followable(session, code, now)
            if isinstance(event, str):
                return [(event, "reply")]
            _, secret = follow(session, phone, event, level, message, now, confirmed=False)
            if secret is None:
                return [(replies.FOLLOW_CODE_SENT, "reply")]
            return [(replies.follow_code(secret, event.code), FOLLOW_CODE)]
        case commands.Unfollow(code=code):
            return [(unfollow(session, phone, code, now), "reply")]
        case commands.Help() if live_follows(session, phone):
            codes = sorted(
                {session.get_one(Event, f.event_id).code for f in live_follows(session, phone)}
            )
            return [(replies.follower_help(codes), "reply")]
    if is_confirming(session, phone):
        started = confirm_follow(session, phone, message.body, now)
        if started is None:
            return [(replies.WRONG_FOLLOW_CODE, "reply")]
        event = session.get_one(Event, started.event_id)
        words = replies.following(
            event.code, started.level, event.digest_hours, settings.follow_all_daily_cap
        )
        return [(words, "confirmed")]
    return None
