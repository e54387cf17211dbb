"""Mastodon, through Mastodon.py: the instance's own limits, an Idempotency-Key per post."""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

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
    Mention,
    Mentions,
    NoCache,
    PostImage,
    Published,
    SharedCache,
    TagPost,
    TagPosts,
    Thread,
    register,
)
from workers.platforms.errors import AuthError, ContentRejected, TransientError
from workers.platforms.image_fit import ImageTooLarge, fit_image

PLATFORM = "mastodon"
REQUEST_TIMEOUT_SECONDS = 20
DEFAULT_MAX_CHARACTERS = 500  # Mastodon's default, for instances that do not say
DEFAULT_URL_LENGTH = 23
DEFAULT_MAX_MEDIA = 4  # statuses.max_media_attachments, where the instance does not say
DEFAULT_IMAGE_BYTES = 16 * 1024 * 1024  # media_attachments.image_size_limit (Mastodon 4)
DEFAULT_IMAGE_PIXELS = 33_177_600  # media_attachments.image_matrix_limit
MEDIA_READY_SECONDS = 30  # how long an upload may stay in processing before we try later
MEDIA_POLL_SECONDS = 0.5
# Instances change their limits rarely; every delivery asking again would cost a call each.
LIMITS_CACHE_SECONDS = 6 * 3600
# A reply is a mention too on Mastodon (clients put the @name of the account replied to
# first); a quote (Mastodon 4.5) is a post about one of the account's own.
MENTION_TYPES = ["mention", "quote"]
LATEST = 20  # notifications read when there is no cursor yet
PAGE_SIZE = 40  # Mastodon's default page of notifications
MAX_PAGES = 10  # a read after a cursor stops here; the next one goes on from where it did


class MastodonConnector:
    """One Mastodon account on one instance."""

    reads_replies = True

    def __init__(
        self,
        instance_url: str,
        access_token: str,
        http: requests.Session,
        cache: SharedCache | None = None,
    ) -> None:
        self._instance_url = instance_url
        self._host = instance_url.split("://", 1)[-1].strip("/")
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
        return f"{account['acct']}@{self._host}"

    def limits(self) -> Limits:
        """The status length and URL weight the instance announces, cached for a while."""
        name = f"mastodon-limits:{self._instance_url.rstrip('/')}"
        cached = self._cache.get(name)
        if cached is not None:
            return Limits(**json.loads(cached))
        with _translated_errors(self._api):
            instance = self._api.instance_v2()
        configuration = instance.get("configuration") or {}
        statuses = configuration.get("statuses") or {}
        media = configuration.get("media_attachments") or {}
        limits = Limits(
            max_characters=int(statuses.get("max_characters") or DEFAULT_MAX_CHARACTERS),
            url_length=int(statuses.get("characters_reserved_per_url") or DEFAULT_URL_LENGTH),
            max_images=int(statuses.get("max_media_attachments") or DEFAULT_MAX_MEDIA),
            max_image_bytes=int(media.get("image_size_limit") or DEFAULT_IMAGE_BYTES),
            max_image_pixels=int(media.get("image_matrix_limit") or DEFAULT_IMAGE_PIXELS),
        )
        self._cache.set(name, json.dumps(asdict(limits)), LIMITS_CACHE_SECONDS)
        return limits

    def publish(
        self,
        text: str,
        idempotency_key: str,
        thread: Thread | None = None,
        images: Sequence[PostImage] = (),
    ) -> Published:
        """Post a public status, threaded under the parent if given; a repeated key is dropped.

        Photos are uploaded first (with their description), waited for while the
        instance processes them, then attached. A retry uploads them again (the
        unused copies are the instance's to clear) but its key makes no second status.
        """
        reply_to = thread.parent.remote_id if thread else None
        with _translated_errors(self._api):
            media_ids = [self._upload(image) for image in images] if images else None
            status = self._api.status_post(
                text,
                in_reply_to_id=reply_to,
                media_ids=media_ids,
                idempotency_key=idempotency_key,
            )
        return Published(remote_id=str(status["id"]), url=str(status.get("url") or status["uri"]))

    def _upload(self, image: PostImage) -> str:
        """Upload one photo within the instance's limits; return its media id once ready."""
        limits = self.limits()
        longest = max(image.width, image.height)
        pixels = limits.max_image_pixels or DEFAULT_IMAGE_PIXELS
        scale = math.sqrt(pixels / (image.width * image.height)) if image.width else 1.0
        try:
            fitted = fit_image(
                image,
                limits.max_image_bytes or DEFAULT_IMAGE_BYTES,
                max_side=int(longest * scale) if scale < 1 else None,
            )
        except ImageTooLarge as exc:
            raise ContentRejected(PLATFORM, "a photo is too large for this instance") from exc
        media = self._api.media_post(
            io.BytesIO(fitted.data),
            mime_type=fitted.content_type,
            description=fitted.alt_text or None,
            file_name="photo.png" if fitted.content_type == "image/png" else "photo.jpg",
        )
        deadline = time.monotonic() + MEDIA_READY_SECONDS
        while media.get("url") is None:  # 202: still being processed
            if time.monotonic() > deadline:
                raise TransientError(PLATFORM, "the instance is still processing a photo")
            time.sleep(MEDIA_POLL_SECONDS)
            media = self._api.media(media["id"])
        return str(media["id"])

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

    def mentions(self, cursor: str | None, posts: Sequence[str] = ()) -> Mentions:
        """Return the statuses that mention (or reply to) or quote the account, after the cursor.

        The cursor is the newest notification id read.
        """
        with _translated_errors(self._api):
            if cursor is None:
                found = list(reversed(self._api.notifications(types=MENTION_TYPES, limit=LATEST)))
            else:
                found = self._notifications_after(cursor)
        # Direct messages are left out: an answer through publish would be public.
        items = [
            _mention(n, self._host)
            for n in found
            if n.get("status") and n["status"].get("visibility") != "direct"
        ]
        return Mentions(items, str(found[-1]["id"]) if found else cursor)

    def _notifications_after(self, cursor: str) -> list[Any]:
        """Read the notifications after one, oldest first, page by page without a gap."""
        # min_id asks for the page just after an id (since_id would give the newest
        # page and skip any between). Each page is newest first, as all Mastodon's are.
        found: list[Any] = []
        for _ in range(MAX_PAGES):
            page = self._api.notifications(types=MENTION_TYPES, min_id=cursor, limit=PAGE_SIZE)
            found.extend(reversed(page))
            if len(page) < PAGE_SIZE:
                break
            cursor = str(page[0]["id"])
        return found


def tag_posts(instance: str, tag: str, cursor: str | None) -> TagPosts:
    """Public posts on a hashtag from the instance's tag timeline, after the cursor, oldest first.

    No account is needed: the tag timeline is public. Without a cursor, the latest page.
    """
    api = Mastodon(
        api_base_url=instance, version_check_mode="none", request_timeout=REQUEST_TIMEOUT_SECONDS
    )
    host = instance.split("://", 1)[-1].rstrip("/")
    found: list[Any] = []
    with _translated_errors(api):
        for _ in range(MAX_PAGES):
            page = api.timeline_hashtag(tag.lstrip("#"), min_id=cursor, limit=PAGE_SIZE)
            found.extend(reversed(page))  # each page is newest first
            if cursor is None or len(page) < PAGE_SIZE:
                break
            cursor = str(page[0]["id"])
    items = [_tag_post(status, host) for status in found if status.get("visibility") == "public"]
    newest = str(found[-1]["id"]) if found else cursor
    return TagPosts(items, newest)


def _tag_post(status: Any, host: str) -> TagPost:
    """A status from a tag timeline, as the wall shows it."""
    acct = str(status["account"]["acct"])
    created_at = status.get("created_at")
    return TagPost(
        remote_id=str(status["id"]),
        author=acct if "@" in acct else f"{acct}@{host}",
        text=plain_text(str(status.get("content") or "")),
        url=str(status.get("url") or status["uri"]),
        created_at=created_at if isinstance(created_at, datetime) else None,
    )


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


def _mention(notification: Any, host: str) -> Mention:
    """Describe a notification's status as a mention, answered by a reply to it."""
    status = notification["status"]
    acct = str(status["account"]["acct"])
    url = str(status.get("url") or status["uri"])
    published = Published(remote_id=str(status["id"]), url=url)
    created_at = status.get("created_at")
    reply_to = status.get("in_reply_to_id")
    return Mention(
        remote_id=published.remote_id,
        # Accounts on the same instance have a bare acct; people know them as name@host.
        author=acct if "@" in acct else f"{acct}@{host}",
        text=plain_text(str(status.get("content") or "")),
        url=url,
        created_at=created_at if isinstance(created_at, datetime) else None,
        answer=Thread(root=published, parent=published),
        in_reply_to=str(reply_to) if reply_to else None,
    )


class _TextOfHtml(HTMLParser):
    """Collect the text of a status's HTML, with its line and paragraph breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Break the line at <br>, and between paragraphs."""
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        """Keep the text, including the parts of long links Mastodon hides."""
        self.parts.append(data)


def plain_text(content: str) -> str:
    """Return the text of a status's HTML content, as its author wrote it."""
    parser = _TextOfHtml()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts).strip()


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
