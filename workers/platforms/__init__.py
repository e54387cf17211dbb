"""Platform connectors behind one small Protocol, chosen by name from a registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class Published:
    """Where a post landed on a platform."""

    remote_id: str
    url: str


@dataclass(frozen=True)
class Limits:
    """How much text one post may hold, counted the platform's way."""

    max_characters: int
    url_length: int | None = None  # what any URL counts as, where the platform says so


class Connector(Protocol):
    """One linked account on one platform."""

    def limits(self) -> Limits:
        """Return this platform's limits for this account."""
        ...

    def publish(self, text: str, idempotency_key: str) -> Published:
        """Post the text once; the same key again must not make a second post."""
        ...

    def delete(self, remote_id: str) -> None:
        """Remove a post made through this connector."""
        ...


@dataclass(frozen=True)
class ConnectorContext:
    """What connectors may use besides an account's own credentials."""

    sessions: sessionmaker[Session]
    public_url: str
    http: requests.Session


ConnectorFactory = Callable[[str, dict[str, Any], ConnectorContext], Connector]
"""Build a connector from (handle, decrypted credentials, context)."""

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


def build_connector(
    platform: str, handle: str, credentials: dict[str, Any], context: ConnectorContext
) -> Connector:
    """Return the connector for one account."""
    _load_builtin()
    try:
        factory = _REGISTRY[platform]
    except KeyError:
        raise UnknownPlatform(platform) from None
    return factory(handle, credentials, context)


def display_name(platform: str) -> str:
    """Return a platform's name as people know it."""
    _load_builtin()
    return DISPLAY_NAMES.get(platform, platform)


def _load_builtin() -> None:
    """Import the built-in connectors so they register themselves."""
    from workers.platforms import local, mastodon  # noqa: F401
