"""X, through tweepy's API v2 client: OAuth 2.0 user tokens with refresh, or OAuth 1.0a keys.

Photos go through X's v2 media endpoints, which tweepy does not wrap: each is
uploaded (`POST /2/media/upload`), given its alt text (`POST /2/media/metadata`),
and the tweet then names their ids.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import Any

import requests
import tweepy
from twitter_text.extract_urls import extract_urls_with_indices

from workers.platforms import (
    WEIGHTED,
    ConnectorContext,
    Limits,
    LinkedAccount,
    Mention,
    Mentions,
    PostImage,
    Published,
    Thread,
    register,
)
from workers.platforms.errors import AuthError, ContentRejected, DuplicatePost, TransientError
from workers.platforms.image_fit import ImageTooLarge, fit_image

PLATFORM = "x"
REQUEST_TIMEOUT_SECONDS = 20
TOKEN_URL = "https://api.x.com/2/oauth2/token"
MAX_CHARACTERS = 280
URL_LENGTH = 23  # every URL is a t.co link of this weight
# Refresh a little early, so a token cannot expire between the check and X reading it.
EXPIRY_MARGIN_SECONDS = 60
DUPLICATE_WORDS = "duplicate content"
TCO_LINK = re.compile(r"https://t\.co/\w+")
URL_TOKEN = "\x00url\x00"  # stands for any link when our text and X's are compared
WEB_BASE = "https://x.com"
MENTION_FIELDS = ["created_at", "in_reply_to_user_id", "referenced_tweets", "conversation_id"]
LATEST = 20  # mentions read when there is no cursor yet
PAGE_SIZE = 100  # the most X gives in one page of mentions
MAX_PAGES = 8  # X serves no more than the latest 800 mentions
MEDIA_UPLOAD_URL = "https://api.x.com/2/media/upload"
MEDIA_METADATA_URL = "https://api.x.com/2/media/metadata"
MAX_IMAGES = 4  # photos in one tweet
MAX_IMAGE_BYTES = 5 * 1024 * 1024  # X's cap on an uploaded image
MAX_ALT_CHARACTERS = 1000  # X's cap on a photo's alt text

LockFactory = Callable[[str], AbstractContextManager[Any]]


class _TimedSession:
    """The shared requests session with a timeout on every call: tweepy sets none."""

    def __init__(self, http: requests.Session) -> None:
        self._http = http

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send through the shared session with the connector's timeout."""
        kwargs.setdefault("timeout", REQUEST_TIMEOUT_SECONDS)
        return self._http.request(method, url, **kwargs)


class XConnector:
    """One X account, with OAuth 2.0 user tokens (refreshed as needed) or OAuth 1.0a keys."""

    reads_replies = True

    def __init__(
        self, account: LinkedAccount, http: requests.Session, lock: LockFactory | None = None
    ) -> None:
        self._account = account
        self._http = http
        self._lock: LockFactory = lock or (lambda _name: nullcontext())
        self._credentials = dict(account.credentials)
        self._oauth2 = "refresh_token" in self._credentials or "client_id" in self._credentials
        if not self._oauth2 and not all(
            self._credentials.get(key)
            for key in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
        ):
            raise AuthError(PLATFORM, "no usable X credentials are stored for this account")

    def limits(self) -> Limits:
        """Return X's limits: 280 weighted characters, each URL counting 23; 4 photos of 5 MB."""
        return Limits(
            max_characters=MAX_CHARACTERS,
            url_length=URL_LENGTH,
            unit=WEIGHTED,
            max_images=MAX_IMAGES,
            max_image_bytes=MAX_IMAGE_BYTES,
        )

    def publish(
        self,
        text: str,
        idempotency_key: str,
        thread: Thread | None = None,
        images: Sequence[PostImage] = (),
    ) -> Published:
        """Post a tweet, as a reply to the thread's parent if given, with its photos.

        X takes no idempotency key; a repeat of a recent text raises DuplicatePost.
        A retry uploads the photos again: X drops media no tweet uses within a day.
        """
        reply_to = thread.parent.remote_id if thread else None
        media_ids = [self._upload(image) for image in images[:MAX_IMAGES]] or None
        response = self._call(
            lambda client, user_auth: client.create_tweet(
                text=text, in_reply_to_tweet_id=reply_to, media_ids=media_ids, user_auth=user_auth
            )
        )
        return self._published(str(response["data"]["id"]))

    def _upload(self, image: PostImage) -> str:
        """Upload one photo, shrunk to X's 5 MB if need be, with its alt text; return its id."""
        try:
            fitted = fit_image(image, MAX_IMAGE_BYTES)
        except ImageTooLarge as exc:
            raise ContentRejected(PLATFORM, "a photo is too large for X") from exc
        form = {"media_category": "tweet_image", "media_type": fitted.content_type}
        files = {"media": ("photo", fitted.data, fitted.content_type)}
        uploaded = self._call(
            lambda client, user_auth: _send(
                client, user_auth, MEDIA_UPLOAD_URL, data=form, files=files
            )
        )
        media_id = str(uploaded["data"]["id"])
        if fitted.alt_text:
            alt = {"alt_text": {"text": fitted.alt_text[:MAX_ALT_CHARACTERS]}}
            self._call(
                lambda client, user_auth: _send(
                    client, user_auth, MEDIA_METADATA_URL, json={"id": media_id, "metadata": alt}
                )
            )
        return media_id

    def find_published(self, text: str, since: datetime, thread: Thread | None) -> Published | None:
        """Find the account's tweet of this text made since then, among its latest 100."""
        user_id = self._user_id()
        response = self._call(
            lambda client, user_auth: client.get_users_tweets(
                user_id,
                start_time=since,
                max_results=100,
                exclude=["retweets"],
                tweet_fields=["referenced_tweets", "entities"],
                user_auth=user_auth,
            )
        )
        wanted = comparable_text(text)
        parent = thread.parent.remote_id if thread else None
        for tweet in response.get("data") or []:
            shown = comparable_tweet(without_photo_links(tweet))
            if shown == wanted and replied_to(tweet) == parent:
                return self._published(str(tweet["id"]))
        return None

    def delete(self, remote_id: str) -> None:
        """Delete one of the account's tweets."""
        self._call(lambda client, user_auth: client.delete_tweet(remote_id, user_auth=user_auth))

    def whoami(self) -> str:
        """Check the credentials with X (GET /2/users/me); return the username, without '@'."""
        response = self._call(lambda client, user_auth: client.get_me(user_auth=user_auth))
        return str(response["data"]["username"]).lstrip("@")

    def _published(self, tweet_id: str) -> Published:
        """Where a tweet of this account is."""
        return Published(remote_id=tweet_id, url=tweet_url(self._account.handle, tweet_id))

    def mentions(self, cursor: str | None, posts: Sequence[str] = ()) -> Mentions:
        """Return the tweets that mention or reply to the account after the cursor's tweet id."""
        user_id = self._user_id()
        pages = [self._mentions_page(user_id, cursor, None)]
        # Pages go back in time from the newest; after a cursor, read back to it.
        while cursor is not None and len(pages) < MAX_PAGES:
            token = (pages[-1].get("meta") or {}).get("next_token")
            if not token:
                break
            pages.append(self._mentions_page(user_id, cursor, token))
        users = {
            str(user["id"]): str(user["username"])
            for page in pages
            for user in (page.get("includes") or {}).get("users", [])
        }
        tweets = [tweet for page in pages for tweet in page.get("data") or []]
        items = [
            _mention(tweet, users)
            for tweet in reversed(tweets)
            if str(tweet.get("author_id")) != user_id  # the account's own thread parts
        ]
        newest = (pages[0].get("meta") or {}).get("newest_id")
        return Mentions(items, str(newest) if newest else cursor)

    def _mentions_page(self, user_id: str, since_id: str | None, token: str | None) -> Any:
        """Read one page of the account's mentions, newest first."""
        return self._call(
            lambda client, user_auth: client.get_users_mentions(
                user_id,
                since_id=since_id,
                pagination_token=token,
                max_results=LATEST if since_id is None else PAGE_SIZE,
                expansions=["author_id"],
                tweet_fields=MENTION_FIELDS,
                user_auth=user_auth,
            )
        )

    def _user_id(self) -> str:
        """Return the account's X user id: asked of X once, then kept with the credentials."""
        known = self._credentials.get("user_id")
        if known:
            return str(known)
        me = self._call(lambda client, user_auth: client.get_me(user_auth=user_auth))
        user_id = str(me["data"]["id"])
        # Under the refresh lock, added to the credentials as stored now: a refresh by
        # another worker meanwhile must not be overwritten with tokens X has spent.
        with self._lock(f"x-token-refresh:{self._account.id}"):
            self._credentials = {**self._account.stored_credentials(), "user_id": user_id}
            self._account.save_credentials(self._credentials)
        return user_id

    def _call(self, request: Callable[[tweepy.Client, bool], Any]) -> Any:
        """Make one API call; with OAuth 2.0, refresh an expired or refused token once."""
        if not self._oauth2:
            with _translated_errors():
                return request(self._client(), True)
        if self._expired():
            self._refresh(self._credentials["access_token"])
        try:
            with _translated_errors():
                return request(self._client(), False)
        except AuthError:
            # X revokes tokens early at times (a password change, an app re-authorised):
            # a 401 is worth one refresh before the account is reported as unlinked.
            self._refresh(self._credentials["access_token"])
        with _translated_errors():
            return request(self._client(), False)

    def _client(self) -> tweepy.Client:
        """Build a tweepy client on the current credentials and the shared session."""
        credentials = self._credentials
        if self._oauth2:
            client = tweepy.Client(bearer_token=credentials["access_token"], return_type=dict)
        else:
            client = tweepy.Client(
                consumer_key=credentials["consumer_key"],
                consumer_secret=credentials["consumer_secret"],
                access_token=credentials["access_token"],
                access_token_secret=credentials["access_token_secret"],
                return_type=dict,
            )
        client.session = _TimedSession(self._http)
        return client

    def _expired(self) -> bool:
        """Tell whether the OAuth 2.0 access token has expired or is about to."""
        expires_at = self._credentials.get("expires_at")
        return expires_at is not None and float(expires_at) - EXPIRY_MARGIN_SECONDS <= time.time()

    def _refresh(self, stale_token: str) -> None:
        """Replace the access token, one refresh per account at a time; stored before use."""
        # X rotates refresh tokens: a second refresh with a spent one looks like a
        # revoked grant, and losing the new one would unlink the account.
        self._credentials = self._account.refresh_tokens(
            self._lock(f"x-token-refresh:{self._account.id}"), stale_token, self._token_grant
        )

    def _token_grant(self, credentials: dict[str, Any]) -> dict[str, Any]:
        """Ask X's token endpoint for a new access token; return the changed credentials."""
        if not credentials.get("refresh_token") or not credentials.get("client_id"):
            raise AuthError(PLATFORM, "the access token expired and there is no refresh token")
        form = {
            "grant_type": "refresh_token",
            "refresh_token": credentials["refresh_token"],
            "client_id": credentials["client_id"],
        }
        secret = credentials.get("client_secret")
        # A confidential client proves itself with Basic auth; a public one by client_id alone.
        auth = (credentials["client_id"], secret) if secret else None
        try:
            response = self._http.post(
                TOKEN_URL, data=form, auth=auth, timeout=REQUEST_TIMEOUT_SECONDS
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise TransientError(PLATFORM, f"token refresh failed ({exc})") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(
                PLATFORM,
                f"token refresh failed (HTTP {response.status_code})",
                retry_after=_retry_after(response.headers),
            )
        if response.status_code != 200:
            raise AuthError(PLATFORM, f"the refresh token was refused ({_words(response)})")
        grant = response.json()
        changed: dict[str, Any] = {"access_token": grant["access_token"]}
        if grant.get("refresh_token"):
            changed["refresh_token"] = grant["refresh_token"]
        if grant.get("expires_in"):
            changed["expires_at"] = time.time() + float(grant["expires_in"])
        return changed


def tweet_url(username: str, tweet_id: str) -> str:
    """Return the web address of a tweet."""
    return f"{WEB_BASE}/{username.lstrip('@')}/status/{tweet_id}"


def _mention(tweet: dict[str, Any], users: dict[str, str]) -> Mention:
    """Describe a tweet from the mentions timeline, answered by a reply to it."""
    tweet_id = str(tweet["id"])
    # X leaves an author out of `includes` when it is suspended or protected; the
    # i/status address works without knowing who wrote it.
    username = users.get(str(tweet.get("author_id")), "")
    url = tweet_url(username or "i", tweet_id)
    published = Published(remote_id=tweet_id, url=url)
    root_id = str(tweet.get("conversation_id") or tweet_id)
    root = published if root_id == tweet_id else Published(root_id, tweet_url("i", root_id))
    replied_to = next(
        (
            str(ref["id"])
            for ref in tweet.get("referenced_tweets") or []
            if ref.get("type") == "replied_to"
        ),
        None,
    )
    created = tweet.get("created_at")
    return Mention(
        remote_id=tweet_id,
        author=username,
        text=str(tweet.get("text") or ""),
        url=url,
        created_at=datetime.fromisoformat(created) if created else None,
        answer=Thread(root=root, parent=published),
        in_reply_to=replied_to,
    )


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Turn tweepy's and requests' exceptions into the connector error hierarchy."""
    try:
        yield
    except tweepy.TooManyRequests as exc:
        raise TransientError(
            PLATFORM, "rate limited", retry_after=_retry_after(exc.response.headers)
        ) from exc
    except tweepy.TwitterServerError as exc:
        raise TransientError(PLATFORM, f"server unavailable ({_words(exc.response)})") from exc
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransientError(PLATFORM, f"server unavailable ({exc})") from exc
    except tweepy.Unauthorized as exc:
        raise AuthError(PLATFORM, f"the access token was refused ({_words(exc.response)})") from exc
    except tweepy.Forbidden as exc:
        words = _words(exc.response)
        if DUPLICATE_WORDS in words.lower():
            raise DuplicatePost(PLATFORM) from exc
        raise ContentRejected(PLATFORM, words) from exc
    except tweepy.HTTPException as exc:
        raise ContentRejected(PLATFORM, _words(exc.response)) from exc


def comparable_text(text: str) -> str:
    """Our text as X will show it, for matching: URLs as one token, spaces collapsed."""
    # X turns every URL it recognises, bare domains too, into a t.co link.
    pieces, start = [], 0
    for url in extract_urls_with_indices(text):
        first, end = url["indices"]
        pieces += [text[start:first], URL_TOKEN]
        start = end
    pieces.append(text[start:])
    return " ".join("".join(pieces).split())


def comparable_tweet(text: str) -> str:
    """A tweet's text as X returns it, for matching: entities unescaped, t.co links as one token."""
    return " ".join(TCO_LINK.sub(URL_TOKEN, html.unescape(text)).split())


def without_photo_links(tweet: dict[str, Any]) -> str:
    """A tweet's text without the t.co links X appends for its photos."""
    text = str(tweet["text"])
    for url in (tweet.get("entities") or {}).get("urls") or []:
        if url.get("media_key") and url.get("url"):
            text = text.replace(str(url["url"]), "")
    return text


def replied_to(tweet: dict[str, Any]) -> str | None:
    """The id of the tweet this one replies to, if any."""
    for reference in tweet.get("referenced_tweets") or []:
        if reference.get("type") == "replied_to":
            return str(reference["id"])
    return None


def _send(client: tweepy.Client, user_auth: bool, url: str, **body: Any) -> Any:
    """POST to an X endpoint tweepy does not wrap, signed and checked as tweepy does its own."""
    headers = {"User-Agent": client.user_agent}
    auth = None
    if user_auth:
        auth = tweepy.OAuth1UserHandler(
            client.consumer_key,
            client.consumer_secret,
            client.access_token,
            client.access_token_secret,
        ).apply_auth()
    else:
        headers["Authorization"] = f"Bearer {client.bearer_token}"
    response = client.session.request("POST", url, headers=headers, auth=auth, **body)
    refusals: dict[int, type[tweepy.HTTPException]] = {
        400: tweepy.BadRequest,
        401: tweepy.Unauthorized,
        403: tweepy.Forbidden,
        404: tweepy.NotFound,
        429: tweepy.TooManyRequests,
    }
    if response.status_code in refusals:
        raise refusals[response.status_code](response)
    if response.status_code >= 500:
        raise tweepy.TwitterServerError(response)
    if not 200 <= response.status_code < 300:
        raise tweepy.HTTPException(response)
    return response.json()


def _retry_after(headers: Any) -> float | None:
    """Return seconds until X's rate-limit window resets, from x-rate-limit-reset."""
    reset = headers.get("x-rate-limit-reset")
    if not reset:
        return None
    try:
        return max(0.0, float(reset) - time.time())
    except ValueError:
        return None


def _words(response: requests.Response) -> str:
    """Return X's own words for a failure: detail, title, or the first error's message."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("detail", "error_description", "title"):
            if body.get(key):
                return str(body[key])
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            message = errors[0].get("message") or errors[0].get("detail")
            if message:
                return str(message)
        if isinstance(body.get("error"), str):
            return str(body["error"])
    return f"HTTP {response.status_code}"


@register(PLATFORM, "X")
def build(account: LinkedAccount, context: ConnectorContext) -> XConnector:
    """Build an X connector from stored credentials."""
    return XConnector(account, context.http, context.lock)
