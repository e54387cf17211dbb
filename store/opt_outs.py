"""Who has opted out of texts: STOP and its synonyms, or Twilio reporting error 21610."""

from __future__ import annotations

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.follows import end_follows
from store.models import OptOut


def is_opted_out(session: Session, phone: str) -> bool:
    """Say whether the number has opted out of every text from us."""
    return session.scalar(select(OptOut.id).where(OptOut.phone == phone)) is not None


def opt_out(session: Session, phone: str, word: str) -> None:
    """Record that the number wants nothing more from us (again is harmless).

    Its follows of events end too: START lifts the opt-out, not the follows.
    """
    end_follows(session, phone, word)
    try:
        with session.begin_nested():
            session.add(OptOut(phone=phone, word=word[:30]))
    except IntegrityError:
        pass  # already opted out: the first word stays on record


def opt_in(session: Session, phone: str) -> bool:
    """Forget the number's opt-out; return whether it had one."""
    result = session.execute(delete(OptOut).where(OptOut.phone == phone))
    assert isinstance(result, CursorResult)
    return bool(result.rowcount)
