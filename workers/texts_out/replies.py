"""The words of every text the gateway sends, kept short enough for one SMS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workers.texts_out.reply_parts import Handle, Listing, Name, Phrase, Quote, spell_in_gsm7
from workers.texts_out.sms_fit import fit_broadcast, fit_reply

if TYPE_CHECKING:
    from store.models import Event

UNKNOWN_SENDER = (
    "Sorry, this number is not set up to post. "
    "If you think it should be, ask the organiser who invited you."
)
NO_ACCOUNTS = "Nothing was posted: no social accounts are linked to you yet. Ask your admin."
PHONE_CONFIRMED = "Thanks, this phone is confirmed. Text your post, or HELP for what you can do."
UNCONFIRMED = (
    "Nothing was posted: first text back the 6-digit code we sent to this phone. "
    "No code? Ask your admin for a new one."
)
TEXT_NOT_HANDLED = (
    "Sorry: something went wrong with a text you sent, and it was not posted. "
    "Please send it again later, or tell your admin."
)
CODE_VOIDED = (
    "Nothing was posted: too many wrong codes were texted from this number, so the "
    "code no longer works. Ask your admin to send a new one."
)


NOTHING_TO_UNDO = "You have no post to undo."
ALREADY_UNDONE = "Your last post is already undone."


def too_late_to_undo(minutes: int) -> str:
    """Why a post older than the undo window stays up."""
    return f"Your last post is over {minutes} minutes old, so UNDO cannot take it down."


def where_posted(platform: str, handle: str) -> str:
    """Return 'Mastodon @handle' for one account."""
    return f"{platform} {handle if handle.startswith('@') else '@' + handle}"


def undo_done(deleted: Sequence[str], failures: Sequence[str]) -> str:
    """Say what UNDO took down and what it could not."""
    sentences = []
    if deleted:
        sentences.append("Deleted your last post from " + _join(deleted) + ".")
    if failures:
        lead = "Could not delete it from " if deleted else "Nothing deleted. "
        sentences.append(lead + "; ".join(failures) + ".")
    return " ".join(sentences) or "Your last post had not been posted anywhere."


def switched_off(admin_contact: str) -> str:
    """The answer to a text from a phone the admin has switched off."""
    return f"This phone is switched off for posting, so nothing was posted. Ask {admin_contact}."


def confirm_code(code: str) -> str:
    """The text that carries a phone's confirmation code."""
    return f"Your smsbridge code is {code}. Text it back to this number to start posting."


@dataclass(frozen=True)
class DeliveryOutcome:
    """One delivery as the reply describes it."""

    platform: str  # as people know it: "Mastodon"
    handle: str
    published: bool
    error_kind: str | None = None
    error: str | None = None
    photos: int = 0  # how many of the post's photos it took


def where(outcome: DeliveryOutcome) -> str:
    """Return 'Mastodon @handle' for one delivery."""
    return where_posted(outcome.platform, outcome.handle)


def why(outcome: DeliveryOutcome) -> str:
    """Say in plain words why a delivery failed and what to do about it."""
    if outcome.error_kind == "auth":
        return "the account needs linking again, text LINK"
    if outcome.error_kind == "transient":
        return f"{outcome.platform} did not answer, we gave up"
    if outcome.error_kind == "content":
        return outcome.error or "the text was refused"
    return outcome.error or "it failed"


def post_reply(outcomes: Sequence[DeliveryOutcome], photos: int = 0) -> str:
    """Tell the person where their post went, what failed, and where fewer photos went."""
    posted = [_where_part(o) for o in outcomes if o.published]
    fewer = [
        Phrase("{n} of {total} photos on {platform}", n=o.photos, total=photos, platform=o.platform)
        for o in outcomes
        if o.published and o.photos < photos
    ]
    failed = [
        Phrase("{where}: {why}", where=_where_part(o), why=Quote(why(o)))
        for o in outcomes
        if not o.published
    ]
    template, values = [], {}
    if posted:
        template.append("Posted to {posted}.")
        values["posted"] = Listing(posted)
    if failed:
        template.append(("Not posted to " if posted else "Nothing posted. ") + "{failed}.")
        values["failed"] = Listing(failed)
    if fewer:
        template.append("Only {fewer}.")
        values["fewer"] = Listing(fewer)
    return fit_reply(" ".join(template), **values)


def _where_part(outcome: DeliveryOutcome) -> Phrase:
    """'Mastodon @handle' as a part whose handle may shorten to fit."""
    return Phrase("{platform} {handle}", platform=outcome.platform, handle=Handle(outcome.handle))


def _join(items: Sequence[str]) -> str:
    """Join 'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --- The SMS conversation: each answer fits one GSM-7 segment, its variable parts
# --- shortened by fit_reply where they would push it over.

OPTED_IN = "You will get texts from us again, and your texts will be posted. Text HELP for how."
PIN_SET = "PIN set. Start every post and command with it, then a space."
PIN_REMOVED = "PIN removed: your posts no longer need it."
NO_PIN = "You have no PIN to remove."
SET_PIN_FIRST = "A PIN is needed to post here. Set one: text PIN and 4 to 8 digits, e.g. PIN 4821."
PIN_MISSING = (
    "Start your text with your PIN and a space, e.g. 4821 Great keynote. Nothing was done."
)
NOTHING_HELD = "Nothing is waiting for YES. Held posts are dropped after a while: text it again."
HELD_DROPPED = "Your held post was dropped, as your next text was not YES."
HELD_DROPPED_BY_ADMIN = (
    "An admin dropped the post that was waiting for your YES: nothing was posted."
)
CHECK_ON = (
    "From now on, posts that may identify someone (phone, NHI, address...) are held "
    "until you text YES."
)
CHECK_OFF = "Your posts are no longer checked for details that could identify someone."
NOT_AT_EVENT = "You are not at any event. Text EVENTS to see the codes, then JOIN and a code."


def help_text(admin_contact: str) -> str:
    """What a person can text, in one segment."""
    return fit_reply(
        "Text words to post. JOIN code, LEAVE, EVENTS, FOLLOW code, STATUS, UNDO, LINK, "
        "PIN 1234, REPLY 1 text. X: posts to X only. STOP ends texts. Help: {admin}",
        admin=Name(admin_contact),
    )


def locked(admin_contact: str) -> str:
    """Posting stays locked after too many wrong PINs."""
    return fit_reply(
        "Posting is locked after too many wrong PINs. Ask {admin} to unlock it.",
        admin=Name(admin_contact),
    )


def wrong_pin(left: int) -> str:
    """A wrong PIN, and how many tries are left today."""
    tries = "try" if left == 1 else "tries"
    return f"Wrong PIN, nothing was done. {left} {tries} left today before posting pauses."


def paused(when: str, admin_contact: str) -> str:
    """Posting pauses for a day after a day's wrong PINs; the phone's owner is told."""
    return fit_reply(
        "Too many wrong PINs: posting is paused until {when}. Not you? Someone may be "
        "guessing: tell {admin}.",
        when=when,
        admin=Name(admin_contact),
    )


def over_post_limit(per_hour: int) -> str:
    """The hourly post limit was reached."""
    return f"Not posted: {per_hour} posts an hour is the most. Try again later."


def held(found: str, minutes: int) -> str:
    """A post held by the confidentiality check; `found` says what, as a sentence."""
    return fit_reply(
        "Not posted yet: it may identify someone. {found} Text YES within {minutes} min "
        "to post it anyway; any other text drops it.",
        found=Quote(found),
        minutes=minutes,
    )


PHOTO_DESCRIBE = (
    "Got your photo. Text a short description of it for people who can't see it, or SKIP."
)


def held_photo(found: str, minutes: int) -> str:
    """A post with a photo, held: no text check sees what a photo shows."""
    return fit_reply(
        "Not posted yet: photos can show faces, homes, car plates. {found}Text YES in "
        "{minutes} min to post it anyway; anything else drops it.",
        found=Quote(f"{found} " if found else ""),
        minutes=minutes,
    )


def media_skipped(problems: Sequence[str]) -> str:
    """What an MMS carried that is not posted, and why: "a video can't be posted"."""
    return fit_reply(
        "Skipped: {problems}. Only photos (JPEG, PNG, GIF, HEIC) are posted.",
        problems=Listing(list(dict.fromkeys(problems))),
    )


def no_accounts_for(platforms: Sequence[str] | frozenset[str] | None) -> str:
    """No linked, working account matched the platforms asked for."""
    if not platforms:
        return NO_ACCOUNTS
    from workers.platforms import display_name  # the registry imports every connector

    return fit_reply(
        "Nothing was posted: you have no working {names} account linked. Ask your admin.",
        names=Listing(sorted(display_name(p) for p in platforms)),
    )


def no_such_mention(n: int) -> str:
    """REPLY n names no mention texted to this person."""
    return f"There is no message {n} to reply to. The number is in the text that brought it."


def account_needs_relink(platform: str) -> str:
    """The account a mention came to cannot post now."""
    return f"Your {platform} account needs linking again, so the reply was not posted. Text LINK."


def link_code(public_url: str, code: str) -> str:
    """LINK: where to go on a computer, and the one-time code to type there."""
    address = public_url.removeprefix("https://").removeprefix("http://")
    return fit_reply(
        "On a computer, open {address}/link and type {code}. It works once, for 30 minutes.",
        address=address,
        code=code,
    )


def account_linked(where: str) -> str:
    """An account was linked to this phone: from now on posts go there too."""
    return fit_reply(
        "Linked {where}: your posts go there too from your next text. Not you? Ask your admin.",
        where=Name(where),
    )


def relink_needed(platform: str, handle: str) -> str:
    """An account stopped working (its token was revoked or expired)."""
    return fit_reply(
        "Your {platform} account {handle} needs linking again: nothing goes there until then. "
        "Text LINK, or ask your admin.",
        platform=platform,
        handle=Handle(handle),
    )


def no_such_event(code: str) -> str:
    """JOIN with a code no event has."""
    return fit_reply(
        "No event has the code {code}. Text EVENTS to see the codes.", code=Quote(code)
    )


def event_over(event: Event) -> str:
    """JOIN of an event that has ended."""
    return f"{event.code} has ended, so you did not join it. Text EVENTS to see the others."


def joined(event: Event) -> str:
    """JOIN of an open event."""
    return fit_reply(
        "You joined {code}. Your posts get {tags} until it ends. LEAVE to stop.",
        code=event.code,
        tags=Listing(event.tags or ["no hashtags"]),
    )


def joined_before_start(event: Event) -> str:
    """JOIN of an event still to start."""
    return fit_reply(
        "You joined {code}. Its hashtags {tags} go on your posts from {when}.",
        code=event.code,
        tags=Listing(event.tags or ["(none)"]),
        when=event.starts_at.strftime("%d %b %H:%M UTC"),
    )


def not_at_that_event(code: str) -> str:
    """LEAVE naming an event the person is not at."""
    return fit_reply("You are not at {code}. Text STATUS to see your event.", code=Quote(code))


def left(event: Event) -> str:
    """LEAVE of the current event."""
    return f"You left {event.code}. Your posts no longer get its hashtags."


def events_list(events: Sequence[Event]) -> str:
    """EVENTS: the codes of events open now or soon."""
    if not events:
        return "No events are open to join right now."
    listed = Listing(Phrase("{code} ({name})", code=e.code, name=Name(e.name)) for e in events)
    if any(e.open_to_followers for e in events):
        return fit_reply(
            "Events: {listed}. Text JOIN and a code to post there, FOLLOW {code} for its news.",
            listed=listed,
            code=next(e.code for e in events if e.open_to_followers),
        )
    return fit_reply("Events: {listed}. Text JOIN and a code.", listed=listed)


def status(accounts: Sequence[tuple[str, bool]], event_code: str | None, posted: int) -> str:
    """STATUS: accounts and whether each works, the event, posts in the last day."""
    listed = Listing(f"{name} {'ok' if works else 'needs relinking'}" for name, works in accounts)
    return fit_reply(
        "Event: {event}. Posts in 24h: {posted}. Accounts: {accounts}.",
        event=event_code or "none",
        posted=posted,
        accounts=listed if accounts else "none",
    )


def mention(platform: str, author: str, text: str, number: int) -> str:
    """A reply or mention, and how to answer it."""
    return fit_reply(
        '{who} on {platform}: "{what}" Text REPLY {n} and your words to answer.',
        who=Handle(author),
        platform=platform,
        # Their words in GSM-7 where macrons are all that differ: a UCS-2 text holds 70
        # characters, which would leave only a few of the words.
        what=Quote(in_gsm7(text)),
        n=number,
    )


def in_gsm7(text: str) -> str:
    """Words on one line, in GSM-7 where macrons are all that differ.

    A UCS-2 text holds 70 characters, which would leave only a few of the words.
    """
    words = " ".join(text.split())
    return spell_in_gsm7(words) or words


def mention_digest(cap: int) -> str:
    """Sent once a day when more replies came than the daily cap of texts."""
    return f"More replies came today than your limit of {cap} texts. See the rest on the platforms."


# Following an event by text (workers/following/).
FOLLOW_CODE_SENT = "We texted you a code a few minutes ago: reply with it to start following."
WRONG_FOLLOW_CODE = (
    "That is not the code we sent. Text it again, or FOLLOW and the event code for a new one."
)
NOT_FOLLOWING = "You follow no events. Text EVENTS to see them, then FOLLOW and a code."
FOLLOW_LEVEL_WORDS = {
    "notices": "the organiser's notices",
    "digest": "notices and a digest every {hours}h",
    "all": "every post (up to {cap} a day) and notices",
}


def not_open_to_followers(code: str) -> str:
    """FOLLOW of an event its organiser has not opened to followers."""
    return f"{code} is not open to followers by text. Text EVENTS to see the others."


def not_following(code: str) -> str:
    """UNFOLLOW of an event the number does not follow."""
    return f"You do not follow {code}. Text UNFOLLOW alone to stop following every event."


def unfollowed(codes: Sequence[str]) -> str:
    """UNFOLLOW: the events no longer followed."""
    return fit_reply(
        "You no longer follow {codes}. STOP ends every text from us.", codes=Listing(codes)
    )


def following(code: str, level: str, hours: int, cap: int) -> str:
    """FOLLOW done: what will come, and how to stop it."""
    what = FOLLOW_LEVEL_WORDS[level].format(hours=hours, cap=cap)
    return fit_reply(
        "You follow {code}: {what}. UNFOLLOW to stop. "
        "FOLLOW {code} NOTICES, DIGEST or ALL to change.",
        code=code,
        what=what,
    )


def follow_code(code: str, event_code: str) -> str:
    """The code a number we do not know texts back to start following."""
    return (
        f"To follow {event_code} by text, reply {code} (valid 2 days). "
        "Not you? Ignore this: nothing more will come."
    )


def follower_help(codes: Sequence[str]) -> str:
    """HELP from a follower who cannot post."""
    return fit_reply(
        "You follow {codes}. FOLLOW code NOTICES, DIGEST or ALL to change, UNFOLLOW to stop, "
        "STOP for no texts at all.",
        codes=Listing(codes),
    )


def notice(event_code: str, words: str, segments: int) -> str:
    """An organiser's notice to an event's followers and attendees."""
    return fit_broadcast("{code}: {words}", segments, code=event_code, words=Quote(in_gsm7(words)))


def followed_post(event_code: str, handle: str, words: str, segments: int) -> str:
    """A post of the event, to its FOLLOW ALL followers."""
    return fit_broadcast(
        "{code} {who}: {words}",
        segments,
        code=event_code,
        who=Handle(handle),
        words=Quote(in_gsm7(words)),
    )


def posting_paused(code: str) -> str:
    """A post from someone at an event whose organiser paused its posting."""
    return (
        f"Not posted: {code}'s organiser has paused posting for now. "
        f"Try later, or text LEAVE to post without {code}'s hashtags."
    )
