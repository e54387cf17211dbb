"""What a platform's flow hands back: credentials to check and store, or why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit


class LinkRefused(ValueError):
    """The link cannot go on; the message says why, in words for the page."""


@dataclass(frozen=True)
class Granted:
    """Credentials a flow obtained, in the shape the platform's connector reads."""

    credentials: dict[str, Any]
    expires_at: datetime | None = None  # when the platform said the token stops working
    handle: str = ""  # where the flow already knows it (else the check finds it)


def server_address(typed: str, production: bool, kind: str) -> str:
    """A server's base URL from what was typed ('mastodon.social' will do), or LinkRefused.

    `kind` names the server in the refusal ("Mastodon"); production takes https only.
    """
    value = typed.strip().rstrip("/")
    if "://" not in value:
        value = f"https://{value}"
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.path not in ("", "/"):
        raise LinkRefused(f"{typed.strip()!r} is not a {kind} server's address")
    if production and parts.scheme != "https":
        raise LinkRefused(f"a {kind} server's address must start with https://")
    return f"{parts.scheme}://{parts.netloc}"
