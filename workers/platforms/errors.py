"""What can go wrong when publishing, sorted by what to do about it.

    PlatformError            any failure a connector reports (platform, message)
     ├── TransientError      try again later (5xx, timeouts, rate limits: retry_after)
     ├── AuthError           the account needs re-linking; retrying will not help
     ├── ContentRejected     the platform refused this text; tell the person why
     │    └── DuplicatePost  ...as a repeat of a recent post (maybe our own lost answer)
     └── Unsupported         the platform offers no way to do this at all

Connectors translate their client library's exceptions into these, so jobs can
decide on retry and wording without knowing any platform.
"""

from __future__ import annotations

from workers.platforms import Published

# What the person is told when a platform refuses their text as a repeat.
REPEAT_WORDS = "you posted the same text there recently"


class PlatformError(Exception):
    """A connector could not do what was asked."""

    kind = "error"

    def __init__(self, platform: str, message: str) -> None:
        super().__init__(f"{platform}: {message}")
        self.platform = platform
        self.message = message


class TransientError(PlatformError):
    """A failure that may pass: the platform is down, slow or rate-limiting us."""

    kind = "transient"

    def __init__(self, platform: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(platform, message)
        self.retry_after = retry_after


class AuthError(PlatformError):
    """The platform no longer accepts the account's credentials."""

    kind = "auth"


class ContentRejected(PlatformError):
    """The platform refused the text itself (too long, a duplicate, against its rules)."""

    kind = "content"


class DuplicatePost(ContentRejected):
    """The platform refused the text as a repeat of one of the account's recent posts.

    Platforms without an idempotency key answer a retry whose first answer was lost
    this way too: only the caller knows whether this part was attempted before.
    """

    def __init__(
        self, platform: str, existing: Published | None = None, message: str = REPEAT_WORDS
    ) -> None:
        super().__init__(platform, message)
        self.existing = existing  # the earlier post, where the platform names it


class Unsupported(PlatformError):
    """The platform gives apps no way to do this (LinkedIn: read a profile's replies)."""

    kind = "unsupported"
