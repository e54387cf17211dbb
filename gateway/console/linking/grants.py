"""What a platform's flow hands back: credentials to check and store, or why not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


class LinkRefused(ValueError):
    """The link cannot go on; the message says why, in words for the page."""


@dataclass(frozen=True)
class Granted:
    """Credentials a flow obtained, in the shape the platform's connector reads."""

    credentials: dict[str, Any]
    expires_at: datetime | None = None  # when the platform said the token stops working
    handle: str = ""  # where the flow already knows it (else the check finds it)
