"""The built-in local timeline: posts stored in our own database, shown at /timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from store.models import TimelineEntry, TimelineImage, utcnow
from workers.platforms import (
    ConnectorContext,
    Limits,
    LinkedAccount,
    Mention,
    Mentions,
    PostImage,
    Published,
    Thread,
    register,
)

MAX_CHARACTERS = 500
MAX_IMAGES = 4
LATEST = 20  # replies read when there is no cursor yet
READ_AT_MOST = 100  # replies per read after a cursor; the next read goes on from the last


class LocalTimeline:
    """A connector for the local timeline, so a newcomer sees posts with no credentials."""

    reads_replies = True

    def __init__(self, handle: str, sessions: sessionmaker[Session], public_url: str) -> None:
        self._handle = handle
        self._sessions = sessions
        self._public_url = public_url

    def whoami(self) -> str:
        """Return the handle: the local timeline has no credentials to check."""
        return self._handle

    def limits(self) -> Limits:
        """Return the local timeline's limits."""
        return Limits(max_characters=MAX_CHARACTERS, max_images=MAX_IMAGES)

    def publish(
        self,
        text: str,
        idempotency_key: str,
        thread: Thread | None = None,
        images: Sequence[PostImage] = (),
    ) -> Published:
        """Add the text and its photos to the timeline, or return the entry this key made."""
        reply_to = int(thread.parent.remote_id) if thread else None
        try:
            with self._sessions.begin() as session:
                entry = TimelineEntry(
                    key=idempotency_key, handle=self._handle, text=text, reply_to_id=reply_to
                )
                session.add(entry)
                session.flush()
                entry_id = entry.id
                session.add_all(
                    TimelineImage(
                        entry_id=entry_id,
                        position=n,
                        content_type=image.content_type,
                        data=image.data,
                        alt_text=image.alt_text,
                    )
                    for n, image in enumerate(images[:MAX_IMAGES])
                )
        except IntegrityError:
            with self._sessions() as session:
                entry_id = session.scalars(
                    select(TimelineEntry.id).where(TimelineEntry.key == idempotency_key)
                ).one()
        return self._published(entry_id)

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

    def mentions(self, cursor: str | None, posts: Sequence[str] = ()) -> Mentions:
        """Return other handles' replies to this handle's entries, after the cursor's entry id."""
        query = self._replies_to_me()
        if cursor is None:
            query = query.order_by(TimelineEntry.id.desc()).limit(LATEST)
        else:
            query = query.where(TimelineEntry.id > int(cursor))
            query = query.order_by(TimelineEntry.id).limit(READ_AT_MOST)
        with self._sessions() as session:
            entries = sorted(session.scalars(query), key=lambda entry: entry.id)
            items = [self._mention(entry) for entry in entries]
        return Mentions(items, items[-1].remote_id if items else cursor)

    def _replies_to_me(self) -> Select[TimelineEntry]:
        """Select the entries other handles wrote in reply to this handle's, not deleted."""
        parent = aliased(TimelineEntry)
        return (
            select(TimelineEntry)
            .join(parent, TimelineEntry.reply_to_id == parent.id)
            .where(
                parent.handle == self._handle,
                TimelineEntry.handle != self._handle,
                TimelineEntry.deleted_at.is_(None),
            )
        )

    def _mention(self, entry: TimelineEntry) -> Mention:
        """Describe a reply entry as a mention, answered by a reply to that entry."""
        published = self._published(entry.id)
        return Mention(
            remote_id=published.remote_id,
            author=entry.handle,
            text=entry.text,
            url=published.url,
            created_at=entry.created_at,
            answer=Thread(root=published, parent=published),
            in_reply_to=str(entry.reply_to_id),
        )

    def _published(self, entry_id: int) -> Published:
        """Return where an entry is on the timeline."""
        return Published(
            remote_id=str(entry_id), url=f"{self._public_url}/timeline#post-{entry_id}"
        )


@register("local", "Local timeline")
def build(account: LinkedAccount, context: ConnectorContext) -> LocalTimeline:
    """Build the local timeline connector for one account."""
    return LocalTimeline(account.handle, context.sessions, context.public_url)
