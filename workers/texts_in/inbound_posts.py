"""Turn a text into a Post and one Delivery per chosen account."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Account, Delivery, InboundMessage, Person, Post, ReceivedMention
from workers.publishing.compose import hashtags_to_add


@dataclass(frozen=True)
class CreatedPost:
    """The post made from a text, and its deliveries (none: no account matched)."""

    post_id: int | None
    deliveries: list[int]


def create_post(
    session: Session,
    person: Person,
    message: InboundMessage,
    now: datetime,
    text: str,
    platforms: Set[str] | None = None,
    mention: ReceivedMention | None = None,
) -> CreatedPost:
    """Create the post and a delivery per active account on the chosen platforms."""
    query = select(Account).where(Account.person_id == person.id, Account.status == "active")
    if mention is not None:
        query = query.where(Account.id == mention.account_id)  # the account it came to
    elif platforms:
        query = query.where(Account.platform.in_(sorted(platforms)))
    accounts = session.scalars(query.order_by(Account.id)).all()
    if not accounts:
        return CreatedPost(None, [])
    event = person.current_event
    # An answer in someone's conversation carries no event tags: it is not a new post.
    tags = event.tags if event is not None and event.is_open(now) and mention is None else []
    post = Post(
        person_id=person.id,
        inbound_id=message.id,
        event_id=event.id if event is not None else None,
        body=text.strip(),
        hashtags=" ".join(hashtags_to_add(text, tags)),
        platforms=" ".join(sorted(platforms or ())),
        reply_to_mention_id=mention.id if mention is not None else None,
    )
    session.add(post)
    session.flush()
    rows = [Delivery(post_id=post.id, account_id=account.id) for account in accounts]
    session.add_all(rows)
    session.flush()
    return CreatedPost(post.id, [row.id for row in rows])
