"""Platform connectors behind one small Protocol, chosen by name from a registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import requests
from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class Published:
    """Where a post landed on a platform."""

    remote_id: str
    url: str
    cid: str = ""  # a content hash, for platforms whose replies name it (Bluesky)


@dataclass(frozen=True)
class Thread:
    """The posts a part of a thread replies to: the first part, and the one before it."""

    root: Published
    parent: Published


def thread_to_json(thread: Thread) -> dict[str, dict[str, str]]:
    """A thread as plain data, to store with a mention."""
    return {
        "root": {
            "remote_id": thread.root.remote_id,
            "url": thread.root.url,
            "cid": thread.root.cid,
        },
        "parent": {
            "remote_id": thread.parent.remote_id,
            "url": thread.parent.url,
            "cid": thread.parent.cid,
        },
    }


def thread_from_json(data: dict[str, Any]) -> Thread:
    """A thread stored by thread_to_json."""
    return Thread(root=Published(**data["root"]), parent=Published(**data["parent"]))


@dataclass(frozen=True)
class Mention:
    """A reply to one of the account's posts, or a post that mentions the account."""

    remote_id: str
    author: str  # the writer's handle, as people on that platform know it
    text: str
    url: str
    created_at: datetime | None
    # Where an answer to this mention goes: `publish(text, key, mention.answer)`.
    answer: Thread
    in_reply_to: str | None = None  # the remote id of the post it replies to, if any


@dataclass(frozen=True)
class Mentions:
    """One read of an account's mentions: the new ones, oldest first, and where to go on."""

    items: list[Mention]
    cursor: str | None  # give back to `mentions` to read only what came after


@dataclass(frozen=True)
class TagPost:
    """A public post found on a hashtag: someone on the backchannel, texter or not."""

    remote_id: str
    author: str  # the writer's handle, as people on that platform know it
    text: str
    url: str
    created_at: datetime | None


@dataclass(frozen=True)
class TagPosts:
    """One read of a hashtag: the posts found, oldest first, and where to go on from."""

    items: list[TagPost]
    cursor: str | None  # give back to read only what came after


# How a platform counts a post's length (workers/publishing/compose.py implements each).
CHARACTERS = "characters"  # Unicode code points (Mastodon, Facebook, LinkedIn, local)
WEIGHTED = "weighted"  # X's weighted length, as twitter-text computes it
GRAPHEMES = "graphemes"  # user-perceived characters (Bluesky)


@dataclass(frozen=True)
class Limits:
    """How much text one post may hold, counted the platform's way."""

    max_characters: int  # in the platform's own unit, below
    url_length: int | None = None  # what any URL counts as, where the platform says so
    unit: str = CHARACTERS
    max_bytes: int | None = None  # a cap on UTF-8 bytes as well (Bluesky: 3000)
    max_images: int = 0  # photos one post may carry (0: this connector posts none yet)
    max_image_bytes: int | None = None  # a photo's largest file, where the platform says
    max_image_pixels: int | None = None  # and its most pixels (width times height)


@dataclass(frozen=True)
class PostImage:
    """A photo to post: cleaned of metadata already, with its description."""

    data: bytes
    content_type: str
    width: int
    height: int
    alt_text: str


class Connector(Protocol):
    """One linked account on one platform."""

    reads_replies: bool  # False where the platform lets no app read replies or mentions

    def whoami(self) -> str:
        """Check the credentials with the platform; return the account's handle."""
        ...

    def limits(self) -> Limits:
        """Return this platform's limits for this account."""
        ...

    def publish(
        self,
        text: str,
        idempotency_key: str,
        thread: Thread | None = None,
        images: Sequence[PostImage] = (),
    ) -> Published:
        """Post the text once (with `images`, no more than `limits().max_images`), as a
        reply within `thread` if given.

        The same key again must not make a second post: the platform's own
        idempotency where it has one, a key-derived record id, or a lookup.
        """
        ...

    def delete(self, remote_id: str) -> None:
        """Remove a post made through this connector."""
        ...

    def find_published(self, text: str, since: datetime, thread: Thread | None) -> Published | None:
        """Return this account's post of exactly this text made since `since`, if any.

        For platforms without an idempotency key: a retry after an answer was lost
        asks this first, so a post that did land is recorded instead of made twice.
        Platforms whose key makes a repeat harmless return None.
        """
        ...

    def mentions(self, cursor: str | None, posts: Sequence[str] = ()) -> Mentions:
        """Return replies and mentions newer than the cursor (the latest few if None).

        `posts` names the remote ids of posts made through the gateway, for
        platforms that can only read replies post by post. Raises Unsupported
        where the platform gives no way to read them (`reads_replies` is False).
        """
        ...


class SharedCache(Protocol):
    """Small values every worker process may reuse for a while (Redis in production)."""

    def get(self, name: str) -> str | None:
        """Return the value stored under the name, or None if absent or expired."""
        ...

    def set(self, name: str, value: str, ttl_seconds: int) -> None:
        """Store a value under the name for ttl_seconds."""
        ...


class NoCache:
    """A cache that keeps nothing: for one-off connectors, such as checks before linking."""

    def get(self, name: str) -> str | None:
        """Return None: nothing is kept."""
        return None

    def set(self, name: str, value: str, ttl_seconds: int) -> None:
        """Keep nothing."""


@dataclass(frozen=True)
class ConnectorContext:
    """What connectors may use besides an account's own credentials."""

    sessions: sessionmaker[Session]
    public_url: str
    http: requests.Session
    # A lock shared by every worker process, by name: one token refresh per account
    # at a time however many jobs run (a Redis lock in production).
    lock: Callable[[str], AbstractContextManager[Any]] = field(default=lambda _name: nullcontext())
    cache: SharedCache = field(default_factory=NoCache)


def _discard(_credentials: dict[str, Any]) -> None:
    """Keep no credentials: for accounts that are not stored (checks before linking)."""


@dataclass(frozen=True)
class LinkedAccount:
    """One account as a connector sees it: decrypted credentials and a way to store new ones."""

    id: int
    handle: str
    credentials: dict[str, Any]
    # Stores changed credentials (a refreshed token, a new session) encrypted, at once,
    # before the connector goes on to use them.
    save_credentials: Callable[[dict[str, Any]], None] = _discard
    # Reads the credentials as stored now: another worker may have refreshed them.
    load_credentials: Callable[[], dict[str, Any]] | None = None

    def stored_credentials(self) -> dict[str, Any]:
        """Return the credentials as stored now, or as given when there is no store."""
        return self.load_credentials() if self.load_credentials else dict(self.credentials)

    def refresh_tokens(
        self,
        lock: AbstractContextManager[Any],
        stale_token: str,
        grant: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> dict[str, Any]:
        """Replace a refused or spent access token once, whoever else tries; return the credentials.

        Platforms that rotate refresh tokens end the sign-in when a spent one is used
        again, so this runs under the given lock, one every worker shares (a Redis lock
        named for the account), re-reads what is stored (another job may have refreshed
        while this one waited), and stores the new tokens before they are used. `grant`
        asks the platform, given the credentials as stored, and returns what changed.
        """
        with lock:
            stored = self.stored_credentials()
            if stored.get("access_token") != stale_token:
                return stored
            credentials = {**stored, **grant(stored)}
            self.save_credentials(credentials)
            return credentials


ConnectorFactory = Callable[[LinkedAccount, ConnectorContext], Connector]
"""Build a connector for one linked account."""

_REGISTRY: dict[str, ConnectorFactory] = {}
DISPLAY_NAMES: dict[str, str] = {}


def register(name: str, display_name: str) -> Callable[[ConnectorFactory], ConnectorFactory]:
    """Register a connector factory under a platform name."""

    def decorate(factory: ConnectorFactory) -> ConnectorFactory:
        _REGISTRY[name] = factory
        DISPLAY_NAMES[name] = display_name
        return factory

    return decorate


class UnknownPlatform(KeyError):
    """No connector is registered under that name."""


def platform_names() -> list[str]:
    """Return the names of every registered platform."""
    _load_builtin()
    return sorted(_REGISTRY)


def build_connector(platform: str, account: LinkedAccount, context: ConnectorContext) -> Connector:
    """Return the connector for one account."""
    _load_builtin()
    try:
        factory = _REGISTRY[platform]
    except KeyError:
        raise UnknownPlatform(platform) from None
    return factory(account, context)


def display_name(platform: str) -> str:
    """Return a platform's name as people know it."""
    _load_builtin()
    return DISPLAY_NAMES.get(platform, platform)


def _load_builtin() -> None:
    """Import the built-in connectors so they register themselves."""
    from workers.platforms import bluesky, facebook, linkedin, local, mastodon, x  # noqa: F401
