"""The built-in local timeline: posts stored in our own database, shown at /timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from gateway.models import TimelineEntry, utcnow
from workers.platforms import ConnectorContext, Limits, LinkedAccount, Published, Thread, register

MAX_CHARACTERS = 500


class LocalTimeline:
    """A connector for the local timeline, so a newcomer sees posts with no credentials."""

    def __init__(self, handle: str, sessions: sessionmaker[Session], public_url: str) -> None:
        self._handle = handle
        self._sessions = sessions
        self._public_url = public_url

    def whoami(self) -> str:
        """Return the handle: the local timeline has no credentials to check."""
        return self._handle

    def limits(self) -> Limits:
        """Return the local timeline's limits."""
        return Limits(max_characters=MAX_CHARACTERS)

    def publish(self, text: str, idempotency_key: str, thread: Thread | None = None) -> Published:
        """Add the text to the timeline, or return the entry this key already made."""
        reply_to = int(thread.parent.remote_id) if thread else None
        try:
            with self._sessions.begin() as session:
                entry = TimelineEntry(
                    key=idempotency_key, handle=self._handle, text=text, reply_to_id=reply_to
                )
                session.add(entry)
                session.flush()
                entry_id = entry.id
        except IntegrityError:
            with self._sessions() as session:
                entry_id = session.scalars(
                    select(TimelineEntry.id).where(TimelineEntry.key == idempotency_key)
                ).one()
        return Published(
            remote_id=str(entry_id), url=f"{self._public_url}/timeline#post-{entry_id}"
        )

    def delete(self, remote_id: str) -> None:
        """Hide the entry from the timeline."""
        with self._sessions.begin() as session:
            session.execute(
                update(TimelineEntry)
                .where(TimelineEntry.id == int(remote_id), TimelineEntry.deleted_at.is_(None))
                .values(deleted_at=utcnow())
            )

    def find_published(self, text: str, since: datetime, thread: Thread | None) -> None:
        """Find nothing: a retried part presents the same key, which returns its entry."""
        return None


@register("local", "Local timeline")
def build(account: LinkedAccount, context: ConnectorContext) -> LocalTimeline:
    """Build the local timeline connector for one account."""
    return LocalTimeline(account.handle, context.sessions, context.public_url)
