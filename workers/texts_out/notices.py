"""text_person: a text the console asks for, worded and sent here, not in the web app.

The web app only stores and enqueues; so a confirmation code is made in the
worker and never passes through the web process or its logs.
"""

from __future__ import annotations

from store.db import transaction
from store.models import OutboundMessage, Person, utcnow
from store.queueing import ACCOUNT_LINKED, CONFIRM_CODE, HELD_DROPPED
from workers.runtime import current
from workers.texts_in.confirming import send_code
from workers.texts_out import replies
from workers.texts_out.sms import send_now
from workers.texts_out.texts import queue_text


def text_person(person_id: int, what: str, detail: str = "") -> None:
    """RQ job: text a person what the console asked for (`detail`: the account linked)."""
    if what not in (CONFIRM_CODE, HELD_DROPPED, ACCOUNT_LINKED):
        raise ValueError(f"no such text for a person: {what!r}")
    rt = current()
    with transaction(rt.sessions) as session:
        person = session.get(Person, person_id)
        if person is None:
            return
        text: OutboundMessage | None
        if what == CONFIRM_CODE:
            # Confirmed since the admin asked: no code to send.
            confirmed = person.phone_confirmed_at is not None
            text = None if confirmed else send_code(session, person, utcnow())
        elif what == HELD_DROPPED:
            text = queue_text(session, person.phone, replies.HELD_DROPPED_BY_ADMIN, "notice")
        else:
            text = queue_text(session, person.phone, replies.account_linked(detail), "notice")
    if text is not None:
        send_now(rt, [text.id])
