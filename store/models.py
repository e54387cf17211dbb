"""The tables: people, their accounts and events, and every text in and out.

Status columns and unique keys here are what make each job idempotent: a job
loads its row, and the row says whether the work is already done.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Return the current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every table."""


class Staff(Base):
    """Someone who signs in to the console: an admin, or an organiser of events."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # kept in lower case
    role: Mapped[str] = mapped_column(String(20))  # admin | organiser
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of the sign-in cookie's identity: sessions from before it are void. A new
    # password or a switch-off moves it, which signs out every other session.
    sessions_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """Who did what to whom, when and from where: one row per console or CLI action."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))  # a staff email, or "cli" / "system"
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(254), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")  # the request's IP, if any


class Person(Base):
    """A practitioner who texts posts from one phone number."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False: the kill switch
    current_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A number can be faked as a sender, so it posts only once the person has texted
    # back the code sent to it: proof the phone is theirs.
    phone_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirm_code_hash: Mapped[str | None] = mapped_column(String(200))
    confirm_code_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Wrong codes texted since the last one was sent; at a few, the code is void.
    confirm_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # With a PIN, posts must start with it; only its hash is kept.
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # When the first of the wrong PINs counted now was typed: they count for a day.
    pin_failed_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Too many wrong PINs in a day pause posting for a day; the third pause in a
    # month locks it until an admin unlocks it (posting_locked_at).
    posting_paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pin_pauses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    posting_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_confidentiality: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )

    accounts: Mapped[list[Account]] = relationship(back_populates="person", order_by="Account.id")
    current_event: Mapped[Event | None] = relationship()


class Account(Base):
    """One linked social account; credentials are encrypted with TOKEN_KEY."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("person_id", "platform", "handle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    platform: Mapped[str] = mapped_column(String(30))
    handle: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where reading mentions goes on from (the connector's cursor), and when it last did.
    mentions_cursor: Mapped[str | None] = mapped_column(Text)
    mentions_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the platform said the token stops working (LinkedIn's last 60 days), if it did.
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="accounts")


class OAuthClient(Base):
    """Our app as registered with one OAuth server (a Mastodon instance registers us itself)."""

    __tablename__ = "oauth_clients"
    __table_args__ = (UniqueConstraint("platform", "server", "redirect_uri"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(30))
    server: Mapped[str] = mapped_column(String(300))  # e.g. https://mastodon.social
    redirect_uri: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(300))
    client_secret: Mapped[str] = mapped_column(Text)  # encrypted with TOKEN_KEY
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkCode(Base):
    """A one-time code a person types on a computer to link their own accounts."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # HMAC of the code with SECRET_KEY: found by the code typed, useless to whoever
    # reads the table.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Event(Base):
    """A conference or gathering whose hashtags go on its attendees' posts."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    hashtags: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    organiser: Mapped[str] = mapped_column(String(200), default="")
    # The console sign-in that owns it; none for events made at the command line.
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Organisers may turn the confidentiality check off for their event's posts.
    check_confidentiality: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    # Photos are held for YES unless the organiser turns that off for the event.
    hold_photos: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Speakers, authors and agencies the check lets posts name: one a line.
    public_names: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The live wall: open to anyone (projected in the hall) or to signed-in staff,
    # and frozen since this moment while paused (for Q&A).
    wall_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    wall_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The wall may also show everyone's public posts on the event's hashtags: from a
    # Mastodon instance's tag timeline, and Bluesky's post search (BLUESKY_APPVIEW_URL).
    wall_tag_posts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tag_mastodon_server: Mapped[str] = mapped_column(String(300), default="", server_default="")
    tag_cursors: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    tags_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Anyone may FOLLOW it by text when the organiser opens it to followers; a digest
    # goes to DIGEST followers every digest_hours, the last at last_digest_at.
    open_to_followers: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    digest_hours: Mapped[int] = mapped_column(Integer, default=4, server_default="4")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The day's text budget (EVENT_DAILY_SEGMENTS): when its organiser was warned at
    # 80 % and when broadcasts stopped at 100 %, so each is said once a day.
    budget_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    budget_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The organiser's (or an admin's) kill switch: no post of the event goes out
    # from this moment, new or in flight, until it is lifted.
    posting_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def tags(self) -> list[str]:
        """Return the hashtags as a list, each with its leading '#'."""
        return self.hashtags.split()

    @property
    def public_name_list(self) -> list[str]:
        """Return the public names, one a line, as a list."""
        return self.public_names.splitlines()

    def is_open(self, at: datetime) -> bool:
        """Say whether the event's window includes the given moment."""
        return self.starts_at <= at < self.ends_at


class Attendance(Base):
    """A person's attendance of an event, kept as history."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("person_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Follow(Base):
    """A phone following an event by text, with the consent on record: when, and the words.

    confirming (a number we do not know: its code must come back) → active → ended
    (UNFOLLOW, STOP, Twilio's 21610). A row is never reused: a new FOLLOW is a new
    row, so every consent and its end stay on record. One live follow per phone and event.
    """

    __tablename__ = "follows"
    __table_args__ = (
        Index(
            "ux_follows_live",
            "event_id",
            "phone",
            unique=True,
            sqlite_where=text("status != 'ended'"),
            postgresql_where=text("status != 'ended'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(10))  # notices, digest or all
    status: Mapped[str] = mapped_column(String(20), default="active")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    asked_with: Mapped[str] = mapped_column(String(200))  # the text that asked, as typed
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    code_hash: Mapped[str | None] = mapped_column(String(200))
    code_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str] = mapped_column(String(30), default="", server_default="")


class Broadcast(Base):
    """Texts to many for one event: an organiser's notice, a digest, or a followed post.

    Its texts wait (status "waiting") until the pacer sends them, slower than replies.
    sending → done, or stopped (the event's daily budget ran out).
    """

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # notice, digest or post
    body: Mapped[str] = mapped_column(Text)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    created_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="sending", index=True)
    # The sender touches this as it goes: a stale one lost its worker (the sweeper restarts it).
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboundMessage(Base):
    """A text as Twilio delivered it; MessageSid makes a repeated webhook harmless."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_phone: Mapped[str] = mapped_column(String(32))
    to_phone: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    num_media: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # MMS
    # received → handled (a post or a reply was made) or ignored (nothing to do), or
    # failed: the sweeper gave it a job SWEEPS_BEFORE_FAILING times, none finished it
    status: Mapped[str] = mapped_column(String(20), default="received", index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Jobs the sweeper gave it, and when it may give the next (each wait twice the last).
    sweeps: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_sweep_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboundMedia(Base):
    """A photo (or other attachment) an MMS carried: where Twilio keeps it, then our copy.

    waiting → stored (fetched, cleaned of metadata: `data`), skipped (not a photo, or
    too big: `problem` says so in plain words), failed (Twilio did not give it) or
    discarded (deleted at Twilio unread: its sender may not post).
    """

    __tablename__ = "inbound_media"
    __table_args__ = (UniqueConstraint("inbound_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # n of MediaUrl{n}
    twilio_url: Mapped[str] = mapped_column(Text)
    declared_type: Mapped[str] = mapped_column(String(100))  # MediaContentType{n}
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    problem: Mapped[str] = mapped_column(String(200), default="", server_default="")
    content_type: Mapped[str] = mapped_column(String(50), default="", server_default="")
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    height: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When Twilio's copy was deleted (unless MEDIA_KEEP_AT_TWILIO), so only ours is left.
    deleted_at_twilio: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The post it went out with, and its description for people who cannot see it.
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)
    alt_text: Mapped[str] = mapped_column(Text, default="", server_default="")


class Post(Base):
    """One text turned into a post, delivered once to each linked account."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), unique=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    body: Mapped[str] = mapped_column(Text)
    hashtags: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once, by whichever job sees the last delivery end: one reply per post.
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The platforms a prefix such as "X:" chose, space-separated; empty means all.
    platforms: Mapped[str] = mapped_column(String(200), default="", server_default="")
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # UNDO asked for it
    undo_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # and was told
    # The organiser's moderation of the event's wall: hidden there (not from the
    # platforms), or pinned to its top.
    wall_hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wall_pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    photos: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # it carries
    # A REPLY n answer: posted under that mention, on its account only.
    reply_to_mention_id: Mapped[int | None] = mapped_column(ForeignKey("received_mentions.id"))

    person: Mapped[Person] = relationship()
    deliveries: Mapped[list[Delivery]] = relationship(back_populates="post", order_by="Delivery.id")


DELIVERY_FINAL = ("published", "failed", "deleted")  # deleted: published, then undone


class Delivery(Base):
    """A post on one account: queued, then published or failed."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("post_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text, default="")
    remote_id: Mapped[str | None] = mapped_column(String(300))
    remote_url: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(20))
    # How many of the post's photos this platform took (it may take fewer than came).
    photos_posted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set when the platform said when to come back (a rate limit): not before then.
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    post: Mapped[Post] = relationship(back_populates="deliveries")
    account: Mapped[Account] = relationship()
    parts: Mapped[list[DeliveryPart]] = relationship(
        back_populates="delivery", order_by="DeliveryPart.position"
    )

    @property
    def ended(self) -> bool:
        """Say whether no more work will be done on this delivery."""
        return self.status in DELIVERY_FINAL


class DeliveryPart(Base):
    """One post of a delivery's thread, recorded the moment it is posted.

    The parts are planned once, on the first attempt, so a retry posts the same
    texts and resumes after the last part on record instead of starting again.
    """

    __tablename__ = "delivery_parts"
    __table_args__ = (UniqueConstraint("delivery_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1 for the first part
    text: Mapped[str] = mapped_column(Text)
    remote_id: Mapped[str | None] = mapped_column(String(300))
    remote_url: Mapped[str | None] = mapped_column(Text)
    cid: Mapped[str | None] = mapped_column(String(200))
    # Set just before the first try: a part tried but not posted may have landed with
    # its answer lost, so a retry looks for it on platforms without idempotency keys.
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    delivery: Mapped[Delivery] = relationship(back_populates="parts")


class OutboundMessage(Base):
    """A text we send: through Twilio when configured, else kept in the outbox."""

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_phone: Mapped[str] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(Text)
    segments: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(30))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcasts.id"), index=True)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # pending → handing → outbox, or Twilio's own: queued → sent → delivered … (sms_status);
    # a broadcast's texts are "waiting" first, and "cancelled" if no longer wanted.
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    error_code: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    sweeps: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_sweep_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SenderNotice(Base):
    """When a number was last told something we only say now and then."""

    __tablename__ = "sender_notices"
    __table_args__ = (UniqueConstraint("phone", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(30))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TimelineEntry(Base):
    """A post on the built-in local timeline, the platform a newcomer sees first."""

    __tablename__ = "timeline_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The publisher's idempotency key: publishing the same delivery twice collides here.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    handle: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("timeline_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TimelineImage(Base):
    """A photo on the local timeline: its own copy, as a platform keeps its uploads."""

    __tablename__ = "timeline_images"
    __table_args__ = (UniqueConstraint("entry_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("timeline_entries.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(50))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    alt_text: Mapped[str] = mapped_column(Text, default="")


class OptOut(Base):
    """A number that texted STOP (or that Twilio reports opted out): we send it nothing."""

    __tablename__ = "opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    word: Mapped[str] = mapped_column(String(30))  # what opted it out: STOP, twilio-21610 …
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HeldPost(Base):
    """A text held back because it may identify a client, until the person says YES."""

    __tablename__ = "held_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    platforms: Mapped[str] = mapped_column(String(200), default="")
    findings: Mapped[str] = mapped_column(Text)  # what was found, in plain words
    # "yes" (waiting for YES), or "description": a photo came with no words, and the
    # next text describes it for people who cannot see it (or SKIP).
    waiting_for: Mapped[str] = mapped_column(String(20), default="yes", server_default="yes")
    # held → posted (YES) or dropped (anything else) or expired
    status: Mapped[str] = mapped_column(String(20), default="held", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReceivedMention(Base):
    """A reply or mention read from a platform, numbered per person for REPLY n."""

    __tablename__ = "received_mentions"
    __table_args__ = (
        UniqueConstraint("account_id", "remote_id"),
        UniqueConstraint("person_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    number: Mapped[int] = mapped_column(Integer)
    remote_id: Mapped[str] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[dict] = mapped_column(JSON)  # the Thread an answer replies in
    # The remote id of the post it replies to, where it is a reply: an archive's link.
    in_reply_to: Mapped[str | None] = mapped_column(String(300), index=True)
    # new → texted, or capped (over the daily cap: counted in the digest), or skipped
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    texted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TagPost(Base):
    """A public post found on one of an event's hashtags, for its wall and archive."""

    __tablename__ = "tag_posts"
    __table_args__ = (UniqueConstraint("event_id", "platform", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    platform: Mapped[str] = mapped_column(String(30))
    remote_id: Mapped[str] = mapped_column(String(300))
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    wall_hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wall_pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
