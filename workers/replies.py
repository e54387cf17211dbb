"""The words of every text the gateway sends, kept short enough for one SMS."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

UNKNOWN_SENDER = (
    "Sorry, this number is not set up to post. "
    "If you think it should be, ask the organiser who invited you."
)
NO_ACCOUNTS = "Nothing was posted: no social accounts are linked to you yet. Ask your admin."
EMPTY_TEXT = "Your text was empty, so nothing was posted. Text the words you want to post."
PHONE_CONFIRMED = "Thanks, this phone is confirmed. Text your post, or HELP for what you can do."
UNCONFIRMED = (
    "Nothing was posted: first text back the 6-digit code we sent to this phone. "
    "No code? Ask your admin for a new one."
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


def where(outcome: DeliveryOutcome) -> str:
    """Return 'Mastodon @handle' for one delivery."""
    return where_posted(outcome.platform, outcome.handle)


def why(outcome: DeliveryOutcome) -> str:
    """Say in plain words why a delivery failed and what to do about it."""
    if outcome.error_kind == "auth":
        return "the account needs linking again, ask your admin"
    if outcome.error_kind == "transient":
        return f"{outcome.platform} did not answer, we gave up"
    if outcome.error_kind == "content":
        return outcome.error or "the text was refused"
    return outcome.error or "it failed"


def post_reply(outcomes: Sequence[DeliveryOutcome]) -> str:
    """Tell the person where their post went and what failed, in one text."""
    posted = [where(o) for o in outcomes if o.published]
    failed = [o for o in outcomes if not o.published]
    sentences = []
    if posted:
        sentences.append("Posted to " + _join(posted) + ".")
    if failed:
        reasons = "; ".join(f"{where(o)}: {why(o)}" for o in failed)
        sentences.append(("Not posted to " if posted else "Nothing posted. ") + reasons + ".")
    return " ".join(sentences)


def _join(items: Sequence[str]) -> str:
    """Join 'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
