"""STATUS by text: your accounts and whether each works, your event, your posts today."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import Person, Post
from workers.platforms import display_name
from workers.texts_out import replies


def status_text(session: Session, person: Person, now: datetime) -> str:
    """The STATUS answer for one person."""
    accounts = [
        (display_name(account.platform), account.status == "active") for account in person.accounts
    ]
    event = person.current_event
    posted = session.scalar(
        select(func.count(Post.id)).where(
            Post.person_id == person.id, Post.created_at > now - timedelta(days=1)
        )
    )
    open_event = event if event is not None and event.ends_at > now else None
    return replies.status(accounts, open_event.code if open_event else None, posted or 0)
