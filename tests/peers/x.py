"""X's API v2 for one account, answered at the requests transport: tweepy hard-codes its host.

What it serves, as X documents it (https://docs.x.com/x-api):
- `POST /2/tweets` — 201 `{"data": {"id", "text", "edit_history_tweet_ids"}}`; 403
  "You are not allowed to create a Tweet with duplicate content." for text the account
  already posted; replies name `reply.in_reply_to_tweet_id`.
- `GET /2/users/me` — `{"data": {"id", "name", "username"}}`.
- `GET /2/users/:id/tweets` — the account's tweets newest first, from `start_time`,
  at most `max_results`, `referenced_tweets` when asked for in `tweet.fields`;
  `{"meta": {"result_count": 0}}` and no `data` when there are none.
As X does, it shows every URL as a t.co link and escapes &, < and > in tweet text.
Tests may lose the answer of a tweet X did create, and hide new tweets from the
timeline for a number of reads, as X's timelines lag behind its writes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses
from twitter_text.extract_urls import extract_urls_with_indices

API = "https://api.twitter.com/2"
TWEETS = f"{API}/tweets"
ME = f"{API}/users/me"
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
        self._lost_answers: set[int] = set()  # which POSTs, counted from 1, lose their answer
        self._hidden_reads = 0
        self._ids = itertools.count(1800000000000000001)
        self._links = itertools.count(1)
        mock.add_callback(responses.POST, TWEETS, callback=self._create)
        mock.add_callback(responses.GET, ME, callback=self._me)
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

    def _create(self, request: requests.PreparedRequest) -> Answer | tuple[int, dict, Exception]:
        """POST /2/tweets: a new tweet, or X's 403 for text the account already posted."""
        self.created.append(json.loads(request.body or b"{}"))
        body = self.created[-1]
        shown = self._as_x_shows(body["text"])
        if any(tweet["text"] == shown for tweet in self.tweets):
            return 403, {}, json.dumps(DUPLICATE)
        tweet: dict[str, Any] = {
            "id": str(next(self._ids)),
            "text": shown,
            "created_at": datetime.now(UTC),
            "hidden": self._hidden_reads > 0,
        }
        parent = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if parent:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": str(parent)}]
        self.tweets.append(tweet)
        if len(self.created) in self._lost_answers:
            return 0, {}, requests.ConnectionError("Connection reset by peer")
        data = {"id": tweet["id"], "text": shown, "edit_history_tweet_ids": [tweet["id"]]}
        return 201, {}, json.dumps({"data": data})

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


def _shown(tweet: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    """A tweet as the timeline returns it, with the optional fields asked for."""
    shown = {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}
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
