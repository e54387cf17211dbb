"""Bluesky, through the atproto SDK: OAuth (DPoP-bound tokens) or an app password."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import Any, TypeVar

import httpx
import requests
from atproto import AtUri, Client, Request, Session, SessionEvent, models
from atproto_client.exceptions import (
    LoginRequiredError,
    RateLimitExceededError,
    RequestErrorBase,
)
from atproto_client.models.common import XrpcError
from pydantic import ValidationError

from workers.platforms import (
    GRAPHEMES,
    ConnectorContext,
    Limits,
    LinkedAccount,
    Mention,
    Mentions,
    PostImage,
    Published,
    TagPost,
    TagPosts,
    Thread,
    register,
)
from workers.platforms.bluesky_oauth import DPoPAuth, OAuthProblem, refresh
from workers.platforms.errors import AuthError, ContentRejected, TransientError
from workers.platforms.image_fit import ImageTooLarge, fit_image

PLATFORM = "bluesky"
DEFAULT_SERVICE = "https://bsky.social"
POST_COLLECTION = "app.bsky.feed.post"
MAX_GRAPHEMES = 300  # app.bsky.feed.post#text maxGraphemes
MAX_BYTES = 3000  # app.bsky.feed.post#text maxLength, in UTF-8 bytes
MAX_IMAGES = 4  # app.bsky.embed.images#main images maxLength
MAX_IMAGE_BYTES = 1_000_000  # app.bsky.embed.images#image image maxSize
MAX_ALT_GRAPHEMES = 2000  # what Bluesky's own app lets alt text be
REQUEST_TIMEOUT_SECONDS = 20
# Errors a PDS answers when the session's tokens are no longer good: log in again.
SESSION_REFUSED = frozenset(
    {"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AuthMissing"}
)
MENTION_REASONS = ["reply", "mention", "quote"]  # of listNotifications' reasons
LATEST = 20  # notifications read when there is no cursor yet
PAGE_SIZE = 50
MAX_PAGES = 10  # a read after a cursor stops here; the next one goes on from where it did
EXPIRY_MARGIN_SECONDS = 60  # an OAuth access token this close to its end is refreshed first

# Record keys of posts must be TIDs: 13 characters of base32-sortable, the top bit zero,
# 53 bits of microseconds since 1970 and 10 bits of clock id.
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
TID_EPOCH_MICROS = 1_672_531_200_000_000  # 2023-01-01T00:00:00Z: key-derived TIDs fall in 2023
TID_SPAN_MICROS = 365 * 24 * 3600 * 1_000_000

T = TypeVar("T")


def record_key(idempotency_key: str) -> str:
    """Return the TID-shaped record key derived from an idempotency key: same key, same key."""
    digest = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    micros = TID_EPOCH_MICROS + (digest >> 10) % TID_SPAN_MICROS
    value = (micros << 10) | (digest & 0x3FF)
    return "".join(TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def post_url(handle: str, uri: str) -> str:
    """Return the bsky.app address of a post."""
    return f"https://bsky.app/profile/{handle}/post/{AtUri.from_str(uri).rkey}"


class BlueskyConnector:
    """One Bluesky account on its PDS: OAuth tokens bound to a DPoP key, or an app password."""

    reads_replies = True

    def __init__(
        self,
        account: LinkedAccount,
        http: requests.Session | None = None,
        lock: Callable[[str], AbstractContextManager[Any]] | None = None,
    ) -> None:
        self._account = account
        self._http = http  # for token refreshes; one of its own when none is given
        self._lock = lock or (lambda _name: nullcontext())
        self._credentials = dict(account.credentials)
        self._oauth = "dpop_key" in self._credentials
        self._service = str(self._credentials.get("service") or DEFAULT_SERVICE).rstrip("/")
        self._identifier = str(self._credentials.get("identifier") or account.handle)

    def limits(self) -> Limits:
        """Return Bluesky's post limits: 300 graphemes, 3000 UTF-8 bytes and 4 photos."""
        return Limits(
            max_characters=MAX_GRAPHEMES, unit=GRAPHEMES, max_bytes=MAX_BYTES, max_images=MAX_IMAGES
        )

    def whoami(self) -> str:
        """Log in (or check the stored session); return the account's handle."""
        with self._client() as client:
            return self._authorized(
                client, lambda: str(client.com.atproto.server.get_session().handle)
            )

    def publish(
        self,
        text: str,
        idempotency_key: str,
        thread: Thread | None = None,
        images: Sequence[PostImage] = (),
    ) -> Published:
        """Write the post under a key-derived record key; a repeat returns the first post.

        Photos are uploaded as blobs first and embedded (app.bsky.embed.images) with
        their alt text and aspect ratio. A retry whose post already landed finds it
        by its record key before uploading anything again.
        """
        rkey = record_key(idempotency_key)
        with self._client() as client:
            return self._authorized(
                client, lambda: self._write_post(client, text, rkey, thread, images)
            )

    def delete(self, remote_id: str) -> None:
        """Delete one of the account's records by its at:// URI (gone already is fine)."""
        uri = AtUri.from_str(remote_id)
        data = models.ComAtprotoRepoDeleteRecord.Data(
            repo=uri.hostname, collection=uri.collection, rkey=uri.rkey
        )
        with self._client() as client:
            self._authorized(client, lambda: client.com.atproto.repo.delete_record(data))

    def find_published(self, text: str, since: datetime, thread: Thread | None) -> None:
        """Find nothing: a retried part reuses its record key, so the repeat collides."""
        return None

    def mentions(self, cursor: str | None, posts: Sequence[str] = ()) -> Mentions:
        """Return replies, mentions and quotes indexed after the cursor, oldest first.

        They come from the account's notifications (its PDS asks the AppView); the
        cursor is the newest `indexedAt` read, as the notifications' own paging cursor
        only goes back in time.
        """
        since = _moment(cursor) if cursor else None
        with self._client() as client:
            found = self._authorized(client, lambda: self._notifications(client, since))
        newest = found[0].indexed_at if found else cursor
        return Mentions([_mention(n) for n in reversed(found)], newest)

    def _notifications(self, client: Client, since: datetime | None) -> list[Any]:
        """Read notifications newest first, back to the cursor's time (one page without one)."""
        found: list[Any] = []
        params = models.AppBskyNotificationListNotifications.Params(
            reasons=MENTION_REASONS, limit=LATEST if since is None else PAGE_SIZE
        )
        for _ in range(MAX_PAGES):
            page = client.app.bsky.notification.list_notifications(params)
            fresh = [
                n for n in page.notifications if since is None or _moment(n.indexed_at) > since
            ]
            found.extend(n for n in fresh if n.reason in MENTION_REASONS)
            if since is None or len(fresh) < len(page.notifications) or not page.cursor:
                break
            params = params.model_copy(update={"cursor": page.cursor})
        return found

    def _write_post(
        self,
        client: Client,
        text: str,
        rkey: str,
        thread: Thread | None,
        images: Sequence[PostImage] = (),
    ) -> Published:
        """Create the post record, or return the one a first attempt already made."""
        did, handle = self._identity(client)
        embed = None
        if images:
            existing = self._existing(client, did, handle, rkey)
            if existing is not None:
                return existing  # posted before the answer was lost: upload nothing again
            embed = self._embed_images(client, images)
        try:
            record = models.AppBskyFeedPost.Record(
                created_at=client.get_current_time_iso(),
                text=text,
                facets=client.detect_facets(text) or None,
                reply=self._reply_ref(client, thread) if thread else None,
                embed=embed,
            )
        except ValidationError as exc:
            raise ContentRejected(PLATFORM, _first_error(exc)) from exc
        try:
            created = client.app.bsky.feed.post.create(did, record, rkey=rkey)
        except (RequestErrorBase, httpx.HTTPError) as exc:
            if isinstance(exc, RequestErrorBase) and _refused(exc):
                raise
            # The same key again collides with the record the first attempt wrote (a PDS
            # answers that with an error), so the record under this key is the post.
            existing = self._existing(client, did, handle, rkey)
            if existing is None:
                raise
            return existing
        return Published(created.uri, post_url(handle, created.uri), created.cid)

    def _embed_images(
        self, client: Client, images: Sequence[PostImage]
    ) -> models.AppBskyEmbedImages.Main:
        """Upload each photo (shrunk to Bluesky's 1 MB) and return the embed that shows them."""
        embedded = []
        for image in images[:MAX_IMAGES]:
            try:
                fitted = fit_image(image, MAX_IMAGE_BYTES)
            except ImageTooLarge as exc:
                raise ContentRejected(PLATFORM, "a photo is too large for Bluesky") from exc
            blob = client.upload_blob(fitted.data).blob
            embedded.append(
                models.AppBskyEmbedImages.Image(
                    alt=fitted.alt_text[:MAX_ALT_GRAPHEMES],
                    image=blob,
                    aspect_ratio=models.AppBskyEmbedDefs.AspectRatio(
                        width=fitted.width, height=fitted.height
                    ),
                )
            )
        return models.AppBskyEmbedImages.Main(images=embedded)

    def _existing(self, client: Client, did: str, handle: str, rkey: str) -> Published | None:
        """Return the post already stored under this record key, if any."""
        try:
            found = client.com.atproto.repo.get_record(
                models.ComAtprotoRepoGetRecord.Params(
                    repo=did, collection=POST_COLLECTION, rkey=rkey
                )
            )
        except RequestErrorBase as exc:
            if _error_name(exc) == "RecordNotFound":
                return None
            raise
        return Published(found.uri, post_url(handle, found.uri), found.cid or "")

    def _reply_ref(self, client: Client, thread: Thread) -> models.AppBskyFeedPost.ReplyRef:
        """Return the root and parent strong refs of a reply."""
        return models.AppBskyFeedPost.ReplyRef(
            root=self._strong_ref(client, thread.root),
            parent=self._strong_ref(client, thread.parent),
        )

    def _strong_ref(self, client: Client, post: Published) -> models.ComAtprotoRepoStrongRef.Main:
        """Return a post's uri and cid, reading the cid when it was not kept."""
        cid = post.cid
        if not cid:
            uri = AtUri.from_str(post.remote_id)
            cid = client.com.atproto.repo.get_record(
                models.ComAtprotoRepoGetRecord.Params(
                    repo=uri.hostname, collection=uri.collection, rkey=uri.rkey
                )
            ).cid
        return models.ComAtprotoRepoStrongRef.Main(uri=post.remote_id, cid=cid)

    @contextmanager
    def _client(self) -> Iterator[Client]:
        """Yield an SDK client that stores every new session; close its connections after."""
        # With OAuth, every call carries the access token and a DPoP proof signed for it.
        auth = (
            DPoPAuth(self._credentials["dpop_key"], lambda: str(self._credentials["access_token"]))
            if self._oauth
            else None
        )
        client = Client(self._service, request=Request(timeout=REQUEST_TIMEOUT_SECONDS, auth=auth))
        client.on_session_change(self._on_session_change)
        try:
            with _translated_errors():
                yield client
        finally:
            client.request.close()

    def _authorized(self, client: Client, action: Callable[[], T]) -> T:
        """Run an action on the stored session; log in only when there is none or it is refused."""
        if self._oauth:
            return self._with_tokens(action)
        stored = self._credentials.get("session")
        if stored:
            client.login(session_string=str(stored), fetch_bsky_profile=False)
            try:
                return action()
            except (RequestErrorBase, LoginRequiredError) as exc:
                if not _session_refused(exc):
                    raise
        self._login(client)
        return action()

    def _with_tokens(self, action: Callable[[], T]) -> T:
        """Run an action on the OAuth tokens; refresh them first when due, or once if refused."""
        if self._expiring():
            self._refresh(str(self._credentials["access_token"]))
        try:
            return action()
        except (RequestErrorBase, LoginRequiredError) as exc:
            if not _session_refused(exc):
                raise
        # Refused before its time (revoked, or the server restarted its keys): one refresh.
        self._refresh(str(self._credentials["access_token"]))
        return action()

    def _expiring(self) -> bool:
        """Tell whether the access token has ended or is about to."""
        expires_at = self._credentials.get("expires_at")
        return expires_at is not None and float(expires_at) - EXPIRY_MARGIN_SECONDS <= time.time()

    def _refresh(self, stale_token: str) -> None:
        """Replace the tokens, one refresh per account at a time; stored before use."""
        self._credentials = self._account.refresh_tokens(
            self._lock(f"bluesky-token-refresh:{self._account.id}"), stale_token, self._grant
        )

    def _grant(self, stored: dict[str, Any]) -> dict[str, Any]:
        """Ask the sign-in server for new tokens (the refresh token is spent by it)."""
        try:
            with nullcontext(self._http) if self._http else requests.Session() as http:
                tokens = refresh(
                    http,
                    str(stored["token_endpoint"]),
                    str(stored["client_id"]),
                    str(stored["refresh_token"]),
                    stored["dpop_key"],
                )
        except OAuthProblem as exc:
            if exc.transient:
                raise TransientError(PLATFORM, f"token refresh failed ({exc})") from exc
            raise AuthError(PLATFORM, f"Bluesky ended the sign-in ({exc})") from exc
        if tokens.sub != stored.get("did"):
            raise AuthError(PLATFORM, "the refreshed token is for another account")
        return {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at,
        }

    def _login(self, client: Client) -> None:
        """Create a session from the app password (it is stored through the session callback)."""
        password = self._credentials.get("app_password")
        if not password:
            raise AuthError(PLATFORM, "no app password is stored for this account")
        try:
            client.login(self._identifier, str(password), fetch_bsky_profile=False)
        except RequestErrorBase as exc:
            if exc.response is not None and exc.response.status_code in {400, 401, 403}:
                raise AuthError(PLATFORM, f"login refused ({_describe(exc)})") from exc
            raise

    def _on_session_change(self, event: SessionEvent, session: Session) -> None:
        """Store a created or refreshed session at once, before it is used."""
        if event is SessionEvent.IMPORT:
            return
        exported = session.export()
        if exported == self._credentials.get("session"):
            return
        self._credentials = {**self._credentials, "session": exported}
        self._account.save_credentials(self._credentials)

    def _identity(self, client: Client) -> tuple[str, str]:
        """Return the account's DID and handle: from the OAuth grant, else the login's session."""
        if self._oauth:
            return str(self._credentials["did"]), self._account.handle
        session = client._session
        if session is None:
            raise LoginRequiredError
        return session.did, session.handle


def tag_posts(appview: str, tag: str, cursor: str | None) -> TagPosts:
    """Public posts on a hashtag, from an AppView's post search, after the cursor, oldest first.

    The cursor is the newest `indexedAt` read (searchPosts' `since` is inclusive, so
    that post comes again and is left out). No account is needed on a public AppView.
    """
    client = Client(appview.rstrip("/"), request=Request(timeout=REQUEST_TIMEOUT_SECONDS))
    found: list[Any] = []
    params = models.AppBskyFeedSearchPosts.Params(
        q=f"#{tag.lstrip('#')}", sort="latest", limit=LATEST if cursor is None else PAGE_SIZE
    )
    if cursor:
        params = params.model_copy(update={"since": cursor})
    try:
        with _translated_errors():
            for _ in range(MAX_PAGES):
                page = client.app.bsky.feed.search_posts(params)
                found.extend(p for p in page.posts if p.indexed_at != cursor)
                if cursor is None or not page.cursor or len(page.posts) < PAGE_SIZE:
                    break
                params = params.model_copy(update={"cursor": page.cursor})
    finally:
        client.request.close()
    found.sort(key=lambda post: post.indexed_at)
    items = [_tag_post(post) for post in found]
    return TagPosts(items, found[-1].indexed_at if found else cursor)


def _tag_post(post: Any) -> TagPost:
    """A post from a search, as the wall shows it."""
    handle = str(post.author.handle)
    return TagPost(
        remote_id=str(post.uri),
        author=handle,
        text=str(getattr(post.record, "text", "") or ""),
        url=post_url(handle, post.uri),
        created_at=_written_at(getattr(post.record, "created_at", None)),
    )


def _mention(notification: Any) -> Mention:
    """Describe a notification's post as a mention, answered by a reply in its thread."""
    record = notification.record
    handle = str(notification.author.handle)
    url = post_url(handle, notification.uri)
    parent = Published(notification.uri, url, notification.cid)
    reply = getattr(record, "reply", None)
    # A reply to it belongs to the same thread: its root, when the post is a reply itself.
    root = _ref(reply.root) if reply else parent
    return Mention(
        remote_id=notification.uri,
        author=handle,
        text=str(getattr(record, "text", "") or ""),
        url=url,
        created_at=_written_at(getattr(record, "created_at", None)),
        answer=Thread(root=root, parent=parent),
        in_reply_to=str(reply.parent.uri) if reply else None,
    )


def _ref(strong_ref: models.ComAtprotoRepoStrongRef.Main) -> Published:
    """A post known by its strong ref; its address names the author by DID."""
    return Published(
        strong_ref.uri,
        post_url(AtUri.from_str(strong_ref.uri).hostname, strong_ref.uri),
        strong_ref.cid,
    )


def _moment(value: str) -> datetime:
    """Read an atproto datetime (RFC 3339, with a Z or an offset)."""
    return datetime.fromisoformat(value)


def _written_at(value: str | None) -> datetime | None:
    """When a post says it was written; None when its client gave no time to read."""
    try:
        return _moment(value) if value else None
    except ValueError:
        return None


def _refused(exc: RequestErrorBase) -> bool:
    """Tell whether the server refused the caller rather than the request (auth, rate limit)."""
    if isinstance(exc, RateLimitExceededError):
        return True
    status = exc.response.status_code if exc.response is not None else None
    return status in {401, 403} or _error_name(exc) in SESSION_REFUSED


def _session_refused(exc: Exception) -> bool:
    """Tell whether an error means the stored session is no good (log in again)."""
    if isinstance(exc, LoginRequiredError):
        return True
    assert isinstance(exc, RequestErrorBase)
    if exc.response is None:
        return False
    return exc.response.status_code == 401 or _error_name(exc) in SESSION_REFUSED


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Turn the SDK's and httpx's exceptions into the connector error hierarchy."""
    try:
        yield
    except RateLimitExceededError as exc:
        raise TransientError(PLATFORM, "rate limited", retry_after=_retry_after(exc)) from exc
    except LoginRequiredError as exc:
        raise AuthError(PLATFORM, "no session: log in again") from exc
    except RequestErrorBase as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status is None or status >= 500:
            raise TransientError(PLATFORM, f"server unavailable ({_describe(exc)})") from exc
        if status in {401, 403} or _error_name(exc) in SESSION_REFUSED:
            raise AuthError(PLATFORM, f"not allowed ({_describe(exc)})") from exc
        raise ContentRejected(PLATFORM, _describe(exc)) from exc
    except httpx.HTTPError as exc:
        raise TransientError(PLATFORM, f"server unavailable ({type(exc).__name__})") from exc


def _retry_after(exc: RateLimitExceededError) -> float | None:
    """Return the seconds until Bluesky's rate-limit window resets, from its headers."""
    if exc.reset_at is not None:
        return max(0.0, exc.reset_at.timestamp() - time.time())
    return exc.retry_after


def _error_name(exc: RequestErrorBase) -> str | None:
    """Return the XRPC error name of a response (e.g. "InvalidRequest"), if any."""
    content = exc.response.content if exc.response is not None else None
    return content.error if isinstance(content, XrpcError) else None


def _describe(exc: Exception) -> str:
    """Return the server's own words for an error, or its status, or the exception's name."""
    response: Any = getattr(exc, "response", None)
    if response is None:
        return str(exc) or type(exc).__name__
    content = response.content
    if isinstance(content, XrpcError):
        return str(content.message or content.error)
    return f"HTTP {response.status_code}"


def _first_error(exc: ValidationError) -> str:
    """Return the first complaint of a record the SDK would not build."""
    errors = exc.errors()
    if not errors:
        return str(exc)
    where = ".".join(str(part) for part in errors[0]["loc"])
    return f"{where}: {errors[0]['msg']}"


@register(PLATFORM, "Bluesky")
def build(account: LinkedAccount, context: ConnectorContext) -> BlueskyConnector:
    """Build a Bluesky connector from credentials: OAuth tokens, or an app password and session."""
    return BlueskyConnector(account, context.http, context.lock)
