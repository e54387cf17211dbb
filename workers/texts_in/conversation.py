"""What one text from a confirmed, active person does: a command, or a post."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.codes import hash_secret
from store.link_codes import new_link_code
from store.models import (
    Account,
    HeldPost,
    InboundMedia,
    InboundMessage,
    Person,
    Post,
    ReceivedMention,
)
from workers.following.follows import find_followable, follow, unfollow
from workers.runtime import Runtime
from workers.texts_in import commands
from workers.texts_in.attending import events_open, join, leave
from workers.texts_in.confidentiality import describe_findings, find_identifying
from workers.texts_in.guards import check_pin, over_post_limit
from workers.texts_in.inbound_posts import create_post
from workers.texts_in.undo import request_undo
from workers.texts_out import replies
from workers.texts_out.status_report import status_text
from workers.texts_out.texts import queue_text

PLATFORMS_NOTIFYING_BY_MENTION = frozenset({"mastodon"})


@dataclass
class Work:
    """What handling a text left to do once its transaction commits."""

    texts: list[int] = field(default_factory=list)
    deliveries: list[int] = field(default_factory=list)
    undos: list[int] = field(default_factory=list)


class Conversation:
    """One text from one person, answered in one transaction."""

    def __init__(
        self, rt: Runtime, session: Session, person: Person, message: InboundMessage, now: datetime
    ) -> None:
        self.rt = rt
        self.settings = rt.settings
        self.session = session
        self.person = person
        self.message = message
        self.now = now
        self.work = Work()

    def say(self, words: str, kind: str = "reply") -> None:
        """Queue a text back to the person."""
        self.work.texts.append(queue_text(self.session, self.person.phone, words, kind=kind).id)

    def handle(self, command: commands.Command) -> Work:
        """Do what the command asks, and say what happened."""
        held = self.held_post()  # one look a text: most people have none
        if (
            held is not None
            and held.waiting_for == "description"
            and isinstance(command, commands.Post | commands.Malformed)
        ):
            self.describe_photos(held)  # the words after a photo describe it
            return self.work
        if held is not None and not isinstance(command, commands.Confirm):
            # Any text but YES drops a held post (its person's row is locked: no race).
            held.status, held.decided_at = "dropped", self.now
            self.say(replies.HELD_DROPPED)
            if isinstance(command, commands.Post | commands.Malformed):
                return self.work  # "No", "no thanks": the answer to the held post, not a post
        match command:
            case commands.Help():
                self.say(replies.help_text(self.settings.admin_contact))
            case commands.Events():
                self.say(replies.events_list(events_open(self.session, self.now)))
            case commands.Status():
                self.say(status_text(self.session, self.person, self.now))
            case commands.Confirm(pin=pin):
                if self.pin_ok(pin):
                    self.confirm_held()
            case commands.Malformed(hint=hint):
                self.say(hint, kind="error")
            case commands.Join(code=code, pin=pin):
                if self.pin_ok(pin):
                    self.say(join(self.session, self.person, code, self.now))
            case commands.Leave(code=code, pin=pin):
                if self.pin_ok(pin):
                    self.say(leave(self.session, self.person, code))
            case commands.Follow(code=code, level=level, pin=pin):
                if self.pin_ok(pin):
                    self.follow(code, level)
            case commands.Unfollow(code=code, pin=pin):
                if self.pin_ok(pin):
                    self.say(unfollow(self.session, self.person.phone, code, self.now))
            case commands.Undo(pin=pin):
                if self.pin_ok(pin):
                    self.undo()
            case commands.Link(pin=pin):
                if self.pin_ok(pin):
                    code = new_link_code(
                        self.session, self.person.id, self.settings.secret_key, self.now
                    )
                    self.say(replies.link_code(self.settings.public_url, code))
            case commands.SetPin(new_pin=new_pin, pin=pin):
                if self.person.pin_hash is None or self.pin_ok(pin):
                    self.person.pin_hash = hash_secret(new_pin)
                    self.person.pin_failures = 0
                    self.say(replies.PIN_SET)
            case commands.RemovePin(pin=pin):
                if self.person.pin_hash is None:
                    self.say(replies.NO_PIN)
                elif self.pin_ok(pin):
                    self.person.pin_hash = None
                    self.say(replies.PIN_REMOVED)
            case commands.Reply(n=n, text=text, pin=pin):
                if self.pin_ok(pin):
                    self.reply_to_mention(n, text)
            case commands.Post(text=text, platforms=platforms, pin=pin):
                if self.pin_ok(pin):
                    self.post(text, platforms)
            case commands.OptOut() | commands.OptIn():
                raise ValueError("opt-outs are handled before the conversation")
        return self.work

    def follow(self, code: str, level: str) -> None:
        """FOLLOW: a confirmed person follows at once, and is told what will come."""
        event = find_followable(self.session, code, self.now)
        if isinstance(event, str):
            self.say(event)
            return
        follow(self.session, self.person.phone, event, level, self.message, self.now, True)
        cap = self.settings.follow_all_daily_cap
        self.say(replies.following(event.code, level, event.digest_hours, cap))

    def pin_ok(self, typed: str | None) -> bool:
        """Check the PIN for a text that changes something; answer if it fails."""
        refusal = check_pin(self.person, typed, self.settings, self.now)
        if refusal is not None:
            self.say(refusal.words, kind="error")
        return refusal is None

    def undo(self) -> None:
        """Claim the last post for undoing, or say why not."""
        request = request_undo(self.session, self.person.id, self.now, self.settings.undo_minutes)
        if request.post_id is None:
            self.say(request.refusal)
        else:
            self.work.undos.append(request.post_id)

    def post(self, text: str, platforms: frozenset[str] | None) -> None:
        """Post the text and its photos, unless the hourly limit or a check stops it."""
        if self.posting_paused():
            return
        refusal = over_post_limit(self.session, self.person, self.settings, self.now)
        if refusal is not None:
            self.say(refusal.words, kind="error")
            return
        photos = 0
        if self.message.num_media:
            problems = self.session.scalars(
                select(InboundMedia.problem)
                .where(InboundMedia.inbound_id == self.message.id, InboundMedia.problem != "")
                .order_by(InboundMedia.position)
            ).all()
            if problems:
                self.say(replies.media_skipped(problems))
            photos = self.photo_count(self.message.id)
        if photos and not text.strip():
            self.hold(text, platforms, "a photo", waiting_for="description")
            return
        found = self.confidential_findings(text)
        if photos and self.holds_photos():
            self.hold(text, platforms, found, photo=True)
        elif found:
            self.hold(text, platforms, found)
        else:
            self.publish(text, platforms, photos_of=self.message.id if photos else None)

    def posting_paused(self) -> bool:
        """Whether the person's event has its posting paused (they are told so, if it has)."""
        event = self.person.current_event
        if event is None or event.posting_paused_at is None:
            return False
        self.say(replies.posting_paused(event.code), kind="error")
        return True

    def confidential_findings(self, text: str) -> str:
        """What the confidentiality check found in words to be posted ("" for nothing)."""
        if not self.check_confidentiality():
            return ""
        today = self.now.astimezone().date()  # dates of birth are judged by local days
        event = self.person.current_event
        public_names = event.public_name_list if event else []
        findings = find_identifying(text, today, self.settings.default_region, public_names)
        return describe_findings(findings)

    def photo_count(self, inbound_id: int) -> int:
        """How many photos of a text were stored, ready to post."""
        return len(
            self.session.scalars(
                select(InboundMedia.id).where(
                    InboundMedia.inbound_id == inbound_id, InboundMedia.status == "stored"
                )
            ).all()
        )

    def holds_photos(self) -> bool:
        """Photos wait for YES unless the person's check is off or their event turned it off."""
        event = self.person.current_event
        return self.person.check_confidentiality and (event is None or event.hold_photos)

    def describe_photos(self, held: HeldPost) -> None:
        """Take this text as the photo's description (SKIP for none), then hold or post it."""
        words = self.message.body.strip()
        description = "" if words.upper() == "SKIP" else words
        self.session.execute(
            update(InboundMedia)
            .where(InboundMedia.inbound_id == held.inbound_id)
            .values(alt_text=description)
        )
        found = self.confidential_findings(description)
        platforms = frozenset(held.platforms.split()) or None
        if self.holds_photos() or found:
            held.waiting_for, held.findings = "yes", found or "a photo"
            held.expires_at = self.now + timedelta(minutes=self.settings.hold_minutes)
            self.say(replies.held_photo(found, self.settings.hold_minutes))
            return
        held.status, held.decided_at = "posted", self.now
        self.publish(held.body, platforms, photos_of=held.inbound_id)

    def publish(
        self,
        text: str,
        platforms: frozenset[str] | None,
        mention: ReceivedMention | None = None,
        photos_of: int | None = None,
    ) -> None:
        """Create the post (with the photos of text `photos_of`) and its deliveries.

        Say why, when there are none.
        """
        created = create_post(
            self.session, self.person, self.message, self.now, text, platforms, mention
        )
        photos = self.photo_count(photos_of) if photos_of is not None else 0
        if created.post_id is not None and photos_of is not None and photos:
            self.session.get_one(Post, created.post_id).photos = photos
            self.session.execute(
                update(InboundMedia)
                .where(InboundMedia.inbound_id == photos_of, InboundMedia.status == "stored")
                .values(post_id=created.post_id)
            )
            # A photo's description is the words it came with, unless it was given one.
            self.session.execute(
                update(InboundMedia)
                .where(InboundMedia.inbound_id == photos_of, InboundMedia.alt_text == "")
                .values(alt_text=text.strip())
            )
        if created.deliveries:
            self.work.deliveries.extend(created.deliveries)
        else:
            self.say(replies.no_accounts_for(platforms), kind="error")

    def check_confidentiality(self) -> bool:
        """Say whether this person's posts are checked: both they and their event allow it."""
        event = self.person.current_event
        return self.person.check_confidentiality and (event is None or event.check_confidentiality)

    def hold(
        self,
        text: str,
        platforms: frozenset[str] | None,
        found: str,
        *,
        photo: bool = False,
        waiting_for: str = "yes",
    ) -> None:
        """Keep the post back until the person texts YES (or describes its photo first)."""
        self.session.add(
            HeldPost(
                person_id=self.person.id,
                inbound_id=self.message.id,
                body=text,
                platforms=" ".join(sorted(platforms or ())),
                findings=found or "a photo",
                waiting_for=waiting_for,
                expires_at=self.now + timedelta(minutes=self.settings.hold_minutes),
            )
        )
        if waiting_for == "description":
            self.say(replies.PHOTO_DESCRIBE)
        elif photo:
            self.say(replies.held_photo(found, self.settings.hold_minutes))
        else:
            self.say(replies.held(found, self.settings.hold_minutes))

    def held_post(self) -> HeldPost | None:
        """The person's post waiting for YES, if one has not expired."""
        return self.session.scalars(
            select(HeldPost)
            .where(
                HeldPost.person_id == self.person.id,
                HeldPost.status == "held",
                HeldPost.expires_at > self.now,
            )
            .order_by(HeldPost.id.desc())
            .limit(1)
        ).first()

    def confirm_held(self) -> None:
        """YES: post the held text as it was sent."""
        held = self.held_post()
        if held is None:
            self.say(replies.NOTHING_HELD)
            return
        if self.posting_paused():
            return  # the held post still waits: YES again once posting is back
        held.status, held.decided_at = "posted", self.now
        platforms = frozenset(held.platforms.split()) or None
        refusal = over_post_limit(self.session, self.person, self.settings, self.now)
        if refusal is not None:
            self.say(refusal.words, kind="error")
            return
        self.publish(held.body, platforms, photos_of=held.inbound_id)

    def reply_to_mention(self, n: int, text: str) -> None:
        """REPLY n: post the answer under the n-th mention texted to the person."""
        mention = self.session.scalars(
            select(ReceivedMention).where(
                ReceivedMention.person_id == self.person.id, ReceivedMention.number == n
            )
        ).first()
        if mention is None:
            self.say(replies.no_such_mention(n), kind="error")
            return
        account = self.session.get_one(Account, mention.account_id)
        if account.status != "active":
            self.say(replies.account_needs_relink(account.platform), kind="error")
            return
        if account.platform in PLATFORMS_NOTIFYING_BY_MENTION:
            # Mastodon tells the person replied to only when the answer names them, as
            # its own apps do by starting a reply with their @name.
            handle = mention.author if mention.author.startswith("@") else f"@{mention.author}"
            if handle.lower() not in text.lower():
                text = f"{handle} {text}"
        self.publish(text, frozenset({account.platform}), mention)
