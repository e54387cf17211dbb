"""X's API v2 for one account, answered at the requests transport: tweepy hard-codes its host.

What it serves, as X documents it (https://docs.x.com/x-api):
- `POST /2/tweets` — 201 `{"data": {"id", "text", "edit_history_tweet_ids"}}`; 403
  "You are not allowed to create a Tweet with duplicate content." for text the account
  already posted; replies name `reply.in_reply_to_tweet_id`.
- `GET /2/users/me` — `{"data": {"id", "name", "username"}}`.
- `GET /2/users/:id/tweets` — the account's tweets newest first, from `start_time`,
  at most `max_results`, `referenced_tweets` when asked for in `tweet.fields`;
  `{"meta": {"result_count": 0}}` and no `data` when there are none.
- `POST /2/media/upload` (api.x.com) — a multipart `media` file with `media_category`
  and `media_type`; 200 `{"data": {"id", "media_key", "size", "expires_after_secs",
  "image": {"image_type", "w", "h"}}}`; 400 for a file over 5 MB or not an image.
- `POST /2/media/metadata` — JSON `{"id", "metadata": {"alt_text": {"text"}}}`, alt text
  at most 1000 characters; 200 `{"data": {"id", "associated_metadata": true}}`.
- A tweet's `media.media_ids` must be media this account uploaded (400 "Your media IDs
  are invalid." otherwise), at most 4; X then appends one t.co link to the tweet's
  text for its photos, listed in `entities.urls` with the `media_key`, and names them
  in `attachments.media_keys`.
As X does, it shows every URL as a t.co link and escapes &, < and > in tweet text.
Tests may lose the answer of a tweet X did create, and hide new tweets from the
timeline for a number of reads, as X's timelines lag behind its writes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses
from PIL import Image
from twitter_text.extract_urls import extract_urls_with_indices
from werkzeug.wrappers import Request

API = "https://api.twitter.com/2"
TWEETS = f"{API}/tweets"
ME = f"{API}/users/me"
MEDIA_UPLOAD = "https://api.x.com/2/media/upload"
MEDIA_METADATA = "https://api.x.com/2/media/metadata"
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_ALT_CHARACTERS = 1000
MAX_MEDIA = 4
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}

Answer = tuple[int, dict[str, str], str]


class XApi:
    """One X account's tweets, served through a responses mock that tweepy's session uses."""

    def __init__(
        self,
        mock: responses.RequestsMock,
        username: str = "aroha_nz",
        user_id: str = "1500000000000000001",
    ) -> None:
        self.username = username
        self.user_id = user_id
        self.tweets: list[dict[str, Any]] = []  # oldest first, as X stores them
        self.created: list[dict[str, Any]] = []  # every POST /2/tweets body, in order
        self.timeline_reads = 0
        self.media: dict[str, dict[str, Any]] = {}  # media id → its file, key and alt text
        self.uploads = 0
        self._lost_answers: set[int] = set()  # which POSTs, counted from 1, lose their answer
        self._hidden_reads = 0
        self._ids = itertools.count(1800000000000000001)
        self._links = itertools.count(1)
        mock.add_callback(responses.POST, TWEETS, callback=self._create)
        mock.add_callback(responses.GET, ME, callback=self._me)
        mock.add_callback(responses.POST, MEDIA_UPLOAD, callback=self._upload)
        mock.add_callback(responses.POST, MEDIA_METADATA, callback=self._metadata)
        mock.add_callback(
            responses.GET,
            re.compile(rf"{re.escape(API)}/users/\d+/tweets"),
            callback=self._timeline,
        )

    def lose_answer(self, nth: int = 1) -> None:
        """Create the nth tweet from now, then drop the connection before its answer."""
        self._lost_answers.add(len(self.created) + nth)

    def hide_new_tweets(self, reads: int) -> None:
        """Leave tweets made from now on out of the next `reads` timeline reads."""
        self._hidden_reads = reads

    def photos(self, tweet: dict[str, Any]) -> list[dict[str, Any]]:
        """The uploaded media a tweet carries, in order."""
        return [self.media[media_id] for media_id in tweet.get("media_ids", [])]

    def _create(self, request: requests.PreparedRequest) -> Answer | tuple[int, dict, Exception]:
        """POST /2/tweets: a new tweet, or X's 403 for text the account already posted."""
        self.created.append(json.loads(request.body or b"{}"))
        body = self.created[-1]
        media_ids = [str(m) for m in (body.get("media") or {}).get("media_ids") or []]
        if any(m not in self.media for m in media_ids) or len(media_ids) > MAX_MEDIA:
            return 400, {}, json.dumps(_problem(400, "Your media IDs are invalid."))
        shown = self._as_x_shows(body["text"])
        if any(tweet["text"] == shown for tweet in self.tweets):
            return 403, {}, json.dumps(DUPLICATE)
        tweet: dict[str, Any] = {
            "id": str(next(self._ids)),
            "text": shown,
            "created_at": datetime.now(UTC),
            "hidden": self._hidden_reads > 0,
        }
        if media_ids:
            # X shows a tweet's photos as one more t.co link at the end of its text.
            link = self._link()
            keys = [self.media[m]["media_key"] for m in media_ids]
            start = len(shown) + 1
            tweet["text"] = f"{shown} {link}"
            tweet["media_ids"] = media_ids
            tweet["attachments"] = {"media_keys": keys}
            tweet["entities"] = {
                "urls": [
                    {
                        "start": start,
                        "end": start + len(link),
                        "url": link,
                        "expanded_url": f"https://x.com/{self.username}/status/{tweet['id']}/photo/1",
                        "display_url": f"pic.x.com/{link.rsplit('/', 1)[1]}",
                        "media_key": keys[0],
                    }
                ]
            }
        parent = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if parent:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": str(parent)}]
        self.tweets.append(tweet)
        if len(self.created) in self._lost_answers:
            return 0, {}, requests.ConnectionError("Connection reset by peer")
        data = {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}
        return 201, {}, json.dumps({"data": data})

    def _upload(self, request: requests.PreparedRequest) -> Answer:
        """POST /2/media/upload: one image from a multipart form, with the user's token."""
        if not _user_authorized(request):
            return 401, {}, json.dumps(_problem(401, "Unauthorized"))
        body = request.body if isinstance(request.body, bytes) else b""
        form = Request(
            {
                "REQUEST_METHOD": "POST",
                "CONTENT_TYPE": request.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
            }
        )
        try:
            upload = form.files.get("media")
            data = upload.read() if upload else b""
            fields = dict(form.form)
        finally:
            form.close()  # a large file was spooled to disk
        if not data or fields.get("media_category") != "tweet_image":
            return 400, {}, json.dumps(_problem(400, "One or more parameters are invalid."))
        if len(data) > MAX_IMAGE_BYTES:
            return 400, {}, json.dumps(_problem(400, "File size exceeds 5242880 bytes."))
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height, kind = image.width, image.height, image.get_format_mimetype()
        except OSError:
            return 400, {}, json.dumps(_problem(400, "Unsupported media type."))
        self.uploads += 1
        media_id = str(next(self._ids))
        self.media[media_id] = {
            "media_key": f"3_{media_id}",
            "data": data,
            "media_type": fields.get("media_type"),
            "alt_text": None,
        }
        image_info = {"image_type": kind, "w": width, "h": height}
        answer = {
            "id": media_id,
            "media_key": f"3_{media_id}",
            "size": len(data),
            "expires_after_secs": 86400,
            "image": image_info,
        }
        return 200, {}, json.dumps({"data": answer})

    def _metadata(self, request: requests.PreparedRequest) -> Answer:
        """POST /2/media/metadata: a photo's alt text."""
        if not _user_authorized(request):
            return 401, {}, json.dumps(_problem(401, "Unauthorized"))
        body = json.loads(request.body or b"{}")
        kept = self.media.get(str(body.get("id")))
        alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if kept is None:
            return 400, {}, json.dumps(_problem(400, "Your media IDs are invalid."))
        if not isinstance(alt, str) or len(alt) > MAX_ALT_CHARACTERS:
            return 400, {}, json.dumps(_problem(400, "One or more parameters are invalid."))
        kept["alt_text"] = alt
        return 200, {}, json.dumps({"data": {"id": body["id"], "associated_metadata": True}})

    def _me(self, _request: requests.PreparedRequest) -> Answer:
        """GET /2/users/me."""
        data = {"id": self.user_id, "name": "Aroha", "username": self.username}
        return 200, {}, json.dumps({"data": data})

    def _timeline(self, request: requests.PreparedRequest) -> Answer:
        """GET /2/users/:id/tweets, newest first, from start_time."""
        self.timeline_reads += 1
        path = urlsplit(request.url or "")
        query = {key: values[0] for key, values in parse_qs(path.query).items()}
        if path.path.split("/")[-2] != self.user_id:
            return 200, {}, json.dumps({"meta": {"result_count": 0}})
        since = datetime.fromisoformat(query["start_time"]) if "start_time" in query else None
        hidden = self._hidden_reads > 0
        self._hidden_reads = max(0, self._hidden_reads - 1)
        fields = set(query.get("tweet.fields", "").split(","))
        found = [
            _shown(tweet, fields)
            for tweet in reversed(self.tweets)
            if (since is None or tweet["created_at"] >= since) and not (hidden and tweet["hidden"])
        ][: int(query.get("max_results", 10))]
        if not found:
            return 200, {}, json.dumps({"meta": {"result_count": 0}})
        meta = {
            "result_count": len(found),
            "newest_id": found[0]["id"],
            "oldest_id": found[-1]["id"],
        }
        return 200, {}, json.dumps({"data": found, "meta": meta})

    def _as_x_shows(self, text: str) -> str:
        """The text as X stores and returns it: URLs as t.co links, & < > escaped."""
        pieces, start = [], 0
        for url in extract_urls_with_indices(text):
            first, end = url["indices"]
            pieces += [html.escape(text[start:first], quote=False), self._link()]
            start = end
        pieces.append(html.escape(text[start:], quote=False))
        return "".join(pieces)

    def _link(self) -> str:
        """A new t.co link."""
        return f"https://t.co/Ab{next(self._links):08d}"


def _problem(status: int, detail: str) -> dict[str, Any]:
    """An error body as X's v2 API writes it (RFC 7807)."""
    titles = {400: "Invalid Request", 401: "Unauthorized"}
    return {
        "title": titles.get(status, "Error"),
        "detail": detail,
        "type": "about:blank",
        "status": status,
    }


def _user_authorized(request: requests.PreparedRequest) -> bool:
    """Media endpoints take only a user's token: OAuth 2.0 bearer or an OAuth 1.0a signature."""
    header = request.headers.get("Authorization") or ""
    header = header.decode() if isinstance(header, bytes) else header
    return header.startswith(("Bearer ", "OAuth "))


def _shown(tweet: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    """A tweet as the timeline returns it, with the optional fields asked for."""
    shown = {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}
    for field in ("entities", "attachments"):
        if field in fields and tweet.get(field):
            shown[field] = tweet[field]
    if "created_at" in fields:
        shown["created_at"] = tweet["created_at"].strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if "referenced_tweets" in fields and tweet.get("referenced_tweets"):
        shown["referenced_tweets"] = tweet["referenced_tweets"]
    return shown


TOKEN_URL = "https://api.x.com/2/oauth2/token"


class XOAuth:
    """X's OAuth 2.0 token endpoint at the transport: codes it issued, checked with PKCE.

    As X documents it (https://docs.x.com/resources/fundamentals/authentication/oauth-2-0):
    `grant_type=authorization_code` with `code`, `redirect_uri`, `code_verifier` and the
    client (Basic auth for a confidential client, `client_id` in the body otherwise);
    answers `token_type`, `expires_in` (7200), `access_token`, `scope` and, with
    `offline.access`, a `refresh_token`. A wrong code or verifier is 400 invalid_request.
    """

    def __init__(self, mock: responses.RequestsMock, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.codes: dict[str, tuple[str, str, str]] = {}  # code → challenge, redirect, scope
        self.exchanges: list[dict[str, str]] = []
        mock.add_callback(responses.POST, TOKEN_URL, callback=self._token)

    def consent(self, authorize_url: str, code: str = "x-code-1") -> str:
        """Play X's consent page: check the request, remember the code; return the callback."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_url).query).items()}
        assert query["response_type"] == "code" and query["client_id"] == self.client_id
        assert query["code_challenge_method"] == "S256"
        self.codes[code] = (query["code_challenge"], query["redirect_uri"], query["scope"])
        back = urlsplit(query["redirect_uri"])
        return f"{back.path}?code={code}&state={query['state']}"

    def _token(self, request: requests.PreparedRequest) -> Answer:
        form = {k: v[0] for k, v in parse_qs(str(request.body or "")).items()}
        self.exchanges.append(form)
        expected = (
            "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        )
        if request.headers.get("Authorization") != expected:
            return 401, {}, json.dumps({"error": "unauthorized_client"})
        challenge, redirect_uri, scope = self.codes.pop(form.get("code", ""), ("", "", ""))
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if not challenge or base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != challenge:
            return (
                400,
                {},
                json.dumps(
                    {
                        "error": "invalid_request",
                        "error_description": "Value passed for the authorization code was invalid.",
                    }
                ),
            )
        if form.get("redirect_uri") != redirect_uri:
            return 400, {}, json.dumps({"error": "invalid_request"})
        token = {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": f"x-access-{len(self.exchanges)}",
            "scope": scope,
        }
        if "offline.access" in scope.split():
            token["refresh_token"] = f"x-refresh-{len(self.exchanges)}"
        return 200, {}, json.dumps(token)
