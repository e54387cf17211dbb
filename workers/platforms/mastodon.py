"""Mastodon, through Mastodon.py: the instance's own limits, an Idempotency-Key per post."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime

import requests
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from workers.platforms import (
    ConnectorContext,
    Limits,
    LinkedAccount,
    NoCache,
    Published,
    SharedCache,
    Thread,
    register,
)
from workers.platforms.errors import AuthError, ContentRejected, TransientError

PLATFORM = "mastodon"
REQUEST_TIMEOUT_SECONDS = 20
DEFAULT_MAX_CHARACTERS = 500  # Mastodon's default, for instances that do not say
DEFAULT_URL_LENGTH = 23
# Instances change their limits rarely; every delivery asking again would cost a call each.
LIMITS_CACHE_SECONDS = 6 * 3600


class MastodonConnector:
    """One Mastodon account on one instance."""

    def __init__(
        self,
        instance_url: str,
        access_token: str,
        http: requests.Session,
        cache: SharedCache | None = None,
    ) -> None:
        self._instance_url = instance_url
        self._cache = cache or NoCache()
        self._api = Mastodon(
            access_token=access_token,
            api_base_url=instance_url,
            ratelimit_method="throw",
            request_timeout=REQUEST_TIMEOUT_SECONDS,
            version_check_mode="none",
            session=http,
        )

    def whoami(self) -> str:
        """Check the token with the instance; return the account's handle as user@host."""
        with _translated_errors(self._api):
            account = self._api.account_verify_credentials()
        host = self._instance_url.split("://", 1)[-1].strip("/")
        return f"{account['acct']}@{host}"

    def limits(self) -> Limits:
        """The status length and URL weight the instance announces, cached for a while."""
        name = f"mastodon-limits:{self._instance_url.rstrip('/')}"
        cached = self._cache.get(name)
        if cached is not None:
            return Limits(**json.loads(cached))
        with _translated_errors(self._api):
            instance = self._api.instance_v2()
        statuses = (instance.get("configuration") or {}).get("statuses") or {}
        limits = Limits(
            max_characters=int(statuses.get("max_characters") or DEFAULT_MAX_CHARACTERS),
            url_length=int(statuses.get("characters_reserved_per_url") or DEFAULT_URL_LENGTH),
        )
        self._cache.set(name, json.dumps(asdict(limits)), LIMITS_CACHE_SECONDS)
        return limits

    def publish(self, text: str, idempotency_key: str, thread: Thread | None = None) -> Published:
        """Post a public status, threaded under the parent if given; a repeated key is dropped."""
        reply_to = thread.parent.remote_id if thread else None
        with _translated_errors(self._api):
            status = self._api.status_post(
                text, in_reply_to_id=reply_to, idempotency_key=idempotency_key
            )
        return Published(remote_id=str(status["id"]), url=str(status.get("url") or status["uri"]))

    def delete(self, remote_id: str) -> None:
        """Delete one of the account's statuses (one that is gone already is fine)."""
        with _translated_errors(self._api):
            try:
                self._api.status_delete(remote_id)
            except MastodonNotFoundError:
                return  # deleted already, by an earlier try or by hand: what was wanted

    def find_published(self, text: str, since: datetime, thread: Thread | None) -> None:
        """Find nothing: a retried part presents the same Idempotency-Key.

        Mastodon keeps a key for an hour; a part whose answer was lost is retried within minutes.
        """
        return None


@contextmanager
def _translated_errors(api: Mastodon) -> Iterator[None]:
    """Turn Mastodon.py's exceptions into the connector error hierarchy."""
    try:
        yield
    except MastodonRatelimitError as exc:
        reset = getattr(api, "ratelimit_reset", None)
        wait = max(0.0, float(reset) - time.time()) if reset else None
        raise TransientError(PLATFORM, "rate limited", retry_after=wait) from exc
    except (MastodonNetworkError, MastodonServerError) as exc:
        raise TransientError(PLATFORM, f"server unavailable ({_describe(exc)})") from exc
    except MastodonUnauthorizedError as exc:
        raise AuthError(PLATFORM, "the access token was refused") from exc
    except MastodonNotFoundError as exc:
        raise AuthError(PLATFORM, "the instance has no such API or account") from exc
    except MastodonAPIError as exc:
        status = exc.args[1] if len(exc.args) > 1 else None
        if status == 403:
            raise AuthError(PLATFORM, f"not allowed ({_describe(exc)})") from exc
        raise ContentRejected(PLATFORM, _describe(exc)) from exc


def _describe(exc: Exception) -> str:
    """Return the server's own error words, or the status, from a Mastodon.py error."""
    args = exc.args
    if len(args) >= 4 and args[3]:
        return str(args[3])
    if len(args) >= 2:
        return f"HTTP {args[1]}"
    return str(exc) or type(exc).__name__


@register(PLATFORM, "Mastodon")
def build(account: LinkedAccount, context: ConnectorContext) -> MastodonConnector:
    """Build a Mastodon connector from stored credentials."""
    credentials = account.credentials
    return MastodonConnector(
        credentials["instance"], credentials["access_token"], context.http, context.cache
    )
