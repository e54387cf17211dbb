"""text_person: a text the console asks for, worded and sent here, not in the web app.

The web app only stores and enqueues; so a confirmation code is made in the
worker and never passes through the web process or its logs.
"""

from __future__ import annotations

from store.db import transaction
from store.models import Person, utcnow
from store.queueing import CONFIRM_CODE
from workers.runtime import current
from workers.texts_in.confirming import send_code
from workers.texts_out.sms import send_now


def text_person(person_id: int, what: str) -> None:
    """RQ job: text a person what the console asked for (only a new code, so far)."""
    rt = current()
    if what != CONFIRM_CODE:
        raise ValueError(f"no such text for a person: {what!r}")
    with transaction(rt.sessions) as session:
        person = session.get(Person, person_id)
        if person is None or person.phone_confirmed_at is not None:
            return  # gone, or confirmed since the admin asked: no code to send
        text = send_code(session, person, utcnow())
    send_now(rt, [text.id])
