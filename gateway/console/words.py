"""Names and states as the console shows them to people."""

from __future__ import annotations

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

ACCOUNT_HEALTH = {
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
}


def platform_name(platform: str) -> str:
    """A platform's name as people know it."""
    return PLATFORM_NAMES.get(platform, platform)
