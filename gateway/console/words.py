"""Names and states as the console shows them to people."""

from __future__ import annotations

from datetime import datetime, timedelta

# As each connector registers itself (workers.platforms.DISPLAY_NAMES; a test keeps
# the two the same): the web app does not import the connectors.
PLATFORM_NAMES = {
    "bluesky": "Bluesky",
    "facebook": "Facebook",
    "linkedin": "LinkedIn",
    "local": "Local timeline",
    "mastodon": "Mastodon",
    "x": "X",
}

UNLINKED = "unlinked"  # an admin unlinked it: no credentials kept

ACCOUNT_HEALTH = {
    UNLINKED: "unlinked",
    "active": "ok",
    "needs_relink": "needs linking again",
    "disabled": "switched off",
}

# What each kind of text we send is, in words.
TEXT_KINDS = {
    "confirm_code": "confirmation code",
    "post_reply": "where a post went",
    "reply": "answer to a command",
    "notice": "notice",
    "digest": "digest to followers",
    "followed_post": "post to followers",
    "follow_code": "code to follow an event",
}


def duration(seconds: int) -> str:
    """A length of time in words: "40 s", "3 min", "1 h 5 min"."""
    if seconds < 60:
        return f"{seconds} s"
    minutes = -(-seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


EXPIRY_WARNING = timedelta(days=7)  # how long before a token's end the console warns


def account_health(status: str, expires_at: datetime | None, now: datetime) -> tuple[str, bool]:
    """An account's health in words, and whether it is ok: working, expiring, or not."""
    if status != "active":
        return ACCOUNT_HEALTH.get(status, status), False
    if expires_at is not None and expires_at <= now:
        return "its permission ran out: link it again", False
    if expires_at is not None and expires_at - now <= EXPIRY_WARNING:
        days = max(1, (expires_at - now).days)
        return f"expires in {days} day{'s' if days > 1 else ''}: link it again", False
    return "ok", True


def platform_name(platform: str) -> str:
    """A platform's name as people know it."""
    return PLATFORM_NAMES.get(platform, platform)
