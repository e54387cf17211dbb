"""The X connector through the real tweepy client, with X's API answered at the transport."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
import responses
from sqlalchemy.orm import sessionmaker

from tests.peers.x import XApi
from tests.workers.platforms.photos import photo
from workers.platforms import (
    WEIGHTED,
    ConnectorContext,
    Limits,
    LinkedAccount,
    Mentions,
    Published,
    Thread,
    build_connector,
)
from workers.platforms.errors import AuthError, ContentRejected, DuplicatePost, TransientError
from workers.platforms.x import TOKEN_URL, XConnector, comparable_text, comparable_tweet

# tweepy 4.x sends API v2 calls to this host whatever X's own docs now call it.
TWEETS = "https://api.twitter.com/2/tweets"
ME = "https://api.twitter.com/2/users/me"
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
UNAUTHORIZED = {
    "title": "Unauthorized",
    "type": "about:blank",
    "status": 401,
    "detail": "Unauthorized",
}

_next_account_id = iter(range(1000, 100000))


class Recorder:
    """What happened, in order: stored credentials, locks, and requests to X."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.stored: dict[str, Any] = {}

    def save(self, credentials: dict[str, Any]) -> None:
        self.events.append(("save", credentials))
        self.stored = dict(credentials)

    def load(self) -> dict[str, Any]:
        return dict(self.stored)

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        self.events.append(("lock", name))
        yield
        self.events.append(("unlock", name))

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.events]

    def saved(self) -> list[dict[str, Any]]:
        return [value for kind, value in self.events if kind == "save"]


def assert_signed_with_oauth1(request: requests.PreparedRequest) -> None:
    """The request carries an OAuth 1.0a HMAC-SHA1 signature with the account's keys."""
    authorization = request.headers["Authorization"]
    authorization = authorization.decode() if isinstance(authorization, bytes) else authorization
    assert authorization.startswith("OAuth ")
    assert 'oauth_consumer_key="ck"' in authorization
    assert 'oauth_token="at"' in authorization
    assert 'oauth_signature_method="HMAC-SHA1"' in authorization
    assert "oauth_signature=" in authorization


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """X's API, answered at the requests transport: tweepy hard-codes its host."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def oauth2_account(recorder: Recorder, **overrides: Any) -> LinkedAccount:
    """An account linked with OAuth 2.0 user tokens; a fresh id so no test shares a lock."""
    credentials = {
        "client_id": "client-123",
        "client_secret": "secret-456",
        "access_token": "access-old",
        "refresh_token": "refresh-old",
        "expires_at": time.time() + 3600,
        **overrides,
    }
    recorder.stored = dict(credentials)
    return LinkedAccount(
        id=next(_next_account_id),
        handle="aroha_nz",
        credentials=credentials,
        save_credentials=recorder.save,
        load_credentials=recorder.load,
    )


def oauth1_account(recorder: Recorder) -> LinkedAccount:
    """An account linked with OAuth 1.0a keys."""
    credentials = {
        "consumer_key": "ck",
        "consumer_secret": "cs",
        "access_token": "at",
        "access_token_secret": "ats",
    }
    recorder.stored = dict(credentials)
    return LinkedAccount(
        id=next(_next_account_id),
        handle="aroha_nz",
        credentials=credentials,
        save_credentials=recorder.save,
        load_credentials=recorder.load,
    )


def tweet_created(recorder: Recorder, tweet_id: str = "1800000000000000001") -> Any:
    """Answer a create-tweet request as X does, noting it in the recorder."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        recorder.events.append(("tweet", request.headers.get("Authorization")))
        body = json.loads(request.body or b"{}")
        return 201, {}, json.dumps({"data": {"id": tweet_id, "text": body["text"]}})

    return answer


def token_granted(recorder: Recorder) -> Any:
    """Answer a refresh-token grant as X does, noting it in the recorder."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        recorder.events.append(("token", request))
        grant = {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": "access-new",
            "scope": "tweet.read tweet.write users.read offline.access",
            "refresh_token": "refresh-new",
        }
        return 200, {}, json.dumps(grant)

    return answer


def request_json(call: Any) -> Any:
    return json.loads(call.request.body)


def test_limits_are_xs_weighted_280(http: requests.Session, recorder: Recorder) -> None:
    connector = XConnector(oauth2_account(recorder), http)

    assert connector.limits() == Limits(
        max_characters=280,
        url_length=23,
        unit=WEIGHTED,
        max_images=4,
        max_image_bytes=5 * 1024 * 1024,
    )


def test_publish_posts_the_text_with_the_bearer_token(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add_callback(responses.POST, TWEETS, callback=tweet_created(recorder, "1801"))
    connector = XConnector(oauth2_account(recorder), http, recorder.lock)

    published = connector.publish("Kia ora from the hui #swrb13", idempotency_key="SM0001-1")

    assert published == Published(remote_id="1801", url="https://x.com/aroha_nz/status/1801")
    (call,) = api.calls
    assert request_json(call) == {"text": "Kia ora from the hui #swrb13"}
    assert call.request.headers["Authorization"] == "Bearer access-old"
    assert recorder.kinds() == ["tweet"]  # a good token: no refresh, no lock


def test_a_reply_names_the_parent_tweet(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add_callback(responses.POST, TWEETS, callback=tweet_created(recorder, "1803"))
    connector = XConnector(oauth2_account(recorder), http)
    root = Published("1801", "https://x.com/aroha_nz/status/1801")
    parent = Published("1802", "https://x.com/aroha_nz/status/1802")

    connector.publish("Part three", idempotency_key="SM0001-3", thread=Thread(root, parent))

    (call,) = api.calls
    assert request_json(call) == {"text": "Part three", "reply": {"in_reply_to_tweet_id": "1802"}}


def test_oauth1_accounts_sign_each_request(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add_callback(responses.POST, TWEETS, callback=tweet_created(recorder, "1804"))
    connector = XConnector(oauth1_account(recorder), http)

    connector.publish("Signed", idempotency_key="SM0002-1")

    assert_signed_with_oauth1(api.calls[0].request)
    assert recorder.saved() == []


def test_delete_removes_the_tweet(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add(responses.DELETE, f"{TWEETS}/1801", json={"data": {"deleted": True}}, status=200)
    connector = XConnector(oauth2_account(recorder), http)

    connector.delete("1801")

    assert api.calls[0].request.headers["Authorization"] == "Bearer access-old"


def test_an_expired_token_is_refreshed_and_stored_before_it_is_used(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add_callback(responses.POST, TOKEN_URL, callback=token_granted(recorder))
    api.add_callback(responses.POST, TWEETS, callback=tweet_created(recorder))
    account = oauth2_account(recorder, expires_at=time.time() - 10)
    connector = XConnector(account, http, recorder.lock)

    connector.publish("After the refresh", idempotency_key="SM0003-1")

    lock_name = f"x-token-refresh:{account.id}"
    assert recorder.kinds() == ["lock", "token", "save", "unlock", "tweet"]
    assert recorder.events[0] == ("lock", lock_name)
    token_request = recorder.events[1][1]
    form = parse_qs(token_request.body)
    assert form == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["refresh-old"],
        "client_id": ["client-123"],
    }
    basic = base64.b64encode(b"client-123:secret-456").decode()
    assert token_request.headers["Authorization"] == f"Basic {basic}"
    (saved,) = recorder.saved()
    assert saved["access_token"] == "access-new"
    assert saved["refresh_token"] == "refresh-new"
    assert saved["client_secret"] == "secret-456"
    assert 7000 < saved["expires_at"] - time.time() <= 7200
    assert recorder.events[4] == ("tweet", "Bearer access-new")


def test_a_public_client_refreshes_without_basic_auth(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add_callback(responses.POST, TOKEN_URL, callback=token_granted(recorder))
    api.add_callback(responses.POST, TWEETS, callback=tweet_created(recorder))
    account = oauth2_account(recorder, expires_at=time.time() - 10)
    del account.credentials["client_secret"]
    del recorder.stored["client_secret"]

    XConnector(account, http).publish("Public client", idempotency_key="SM0004-1")

    token_request = recorder.events[0][1]
    assert "Authorization" not in token_request.headers
    assert parse_qs(token_request.body)["client_id"] == ["client-123"]


def test_a_refused_token_is_refreshed_once_and_the_post_retried(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add(responses.POST, TWEETS, json=UNAUTHORIZED, status=401)
    api.add_callback(responses.POST, TOKEN_URL, callback=token_granted(recorder))
    api.add_callback(responses.POST, TWEETS, callback=tweet_created(recorder, "1805"))
    connector = XConnector(oauth2_account(recorder), http, recorder.lock)

    published = connector.publish("Second time lucky", idempotency_key="SM0005-1")

    assert published.remote_id == "1805"
    assert recorder.kinds() == ["lock", "token", "save", "unlock", "tweet"]
    assert recorder.events[4] == ("tweet", "Bearer access-new")
    assert [call.request.url for call in api.calls] == [TWEETS, TOKEN_URL, TWEETS]


def test_a_token_refused_after_a_refresh_is_an_auth_error(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add(responses.POST, TWEETS, json=UNAUTHORIZED, status=401)
    api.add_callback(responses.POST, TOKEN_URL, callback=token_granted(recorder))
    api.add(responses.POST, TWEETS, json=UNAUTHORIZED, status=401)
    connector = XConnector(oauth2_account(recorder), http)

    with pytest.raises(AuthError, match="access token was refused"):
        connector.publish("Still no", idempotency_key="SM0006-1")
    assert len(api.calls) == 3


def test_a_refused_refresh_token_is_an_auth_error(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    refused = {
        "error": "invalid_request",
        "error_description": "Value passed for the token was invalid.",
    }
    api.add(responses.POST, TOKEN_URL, json=refused, status=400)
    connector = XConnector(oauth2_account(recorder, expires_at=time.time() - 10), http)

    with pytest.raises(AuthError, match="Value passed for the token was invalid"):
        connector.publish("Unlinked", idempotency_key="SM0007-1")
    assert recorder.saved() == []


def test_a_token_endpoint_outage_is_transient(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add(responses.POST, TOKEN_URL, body="upstream down", status=503)
    connector = XConnector(oauth2_account(recorder, expires_at=time.time() - 10), http)

    with pytest.raises(TransientError, match="token refresh failed"):
        connector.publish("Later", idempotency_key="SM0008-1")


def test_oauth1_refused_is_an_auth_error_without_a_refresh(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add(responses.POST, TWEETS, json=UNAUTHORIZED, status=401)
    connector = XConnector(oauth1_account(recorder), http)

    with pytest.raises(AuthError):
        connector.publish("Who am I?", idempotency_key="SM0009-1")
    assert len(api.calls) == 1


def test_rate_limiting_is_transient_and_says_when_to_retry(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    reset = int(time.time()) + 120
    api.add(
        responses.POST,
        TWEETS,
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        status=429,
        headers={
            "x-rate-limit-limit": "200",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
    )
    connector = XConnector(oauth2_account(recorder), http)

    with pytest.raises(TransientError, match="rate limited") as caught:
        connector.publish("Too fast", idempotency_key="SM0010-1")

    assert caught.value.retry_after is not None
    assert 110 < caught.value.retry_after <= 120


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_transient(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder, status: int
) -> None:
    api.add(
        responses.POST,
        TWEETS,
        json={"title": "Service Unavailable", "detail": "Service Unavailable", "status": status},
        status=status,
    )
    connector = XConnector(oauth2_account(recorder), http)

    with pytest.raises(TransientError, match="server unavailable"):
        connector.publish("Try later", idempotency_key="SM0011-1")


@pytest.mark.parametrize(
    "failure",
    [requests.ConnectionError("connection refused"), requests.ReadTimeout("read timed out")],
    ids=["connection", "timeout"],
)
def test_no_answer_is_transient(
    api: responses.RequestsMock,
    http: requests.Session,
    recorder: Recorder,
    failure: Exception,
) -> None:
    api.add(responses.POST, TWEETS, body=failure)
    connector = XConnector(oauth2_account(recorder), http)

    with pytest.raises(TransientError, match="server unavailable"):
        connector.publish("Anyone there?", idempotency_key="SM0012-1")


def test_a_duplicate_is_its_own_content_rejection(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add(responses.POST, TWEETS, json=DUPLICATE, status=403)
    connector = XConnector(oauth2_account(recorder), http)

    with pytest.raises(DuplicatePost, match="same text") as caught:
        connector.publish("Once only", idempotency_key="SM0013-1")
    assert isinstance(caught.value, ContentRejected)


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (
            403,
            {
                "detail": "You are not permitted to perform this action.",
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
            },
            "You are not permitted to perform this action.",
        ),
        (
            400,
            {
                "errors": [
                    {
                        "parameters": {"text": ["x" * 300]},
                        "message": "The text is too long.",
                    }
                ],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request",
            },
            "One or more parameters to your request was invalid.",
        ),
    ],
    ids=["403", "400"],
)
def test_other_refusals_are_content_rejected_in_xs_words(
    api: responses.RequestsMock,
    http: requests.Session,
    recorder: Recorder,
    status: int,
    body: dict[str, Any],
    words: str,
) -> None:
    api.add(responses.POST, TWEETS, json=body, status=status)
    connector = XConnector(oauth2_account(recorder), http)

    with pytest.raises(ContentRejected) as caught:
        connector.publish("Refused", idempotency_key="SM0014-1")
    assert not isinstance(caught.value, DuplicatePost)
    assert caught.value.message == words


def test_missing_credentials_are_an_auth_error(http: requests.Session) -> None:
    account = LinkedAccount(id=1, handle="aroha_nz", credentials={"consumer_key": "ck"})

    with pytest.raises(AuthError):
        XConnector(account, http)


def test_the_registry_builds_it_with_the_shared_lock(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add_callback(responses.POST, TOKEN_URL, callback=token_granted(recorder))
    api.add_callback(responses.POST, TWEETS, callback=tweet_created(recorder))
    account = oauth2_account(recorder, expires_at=time.time() - 10)
    context = ConnectorContext(
        sessions=sessionmaker(), public_url="https://sms.example", http=http, lock=recorder.lock
    )

    build_connector("x", account, context).publish("Built", idempotency_key="SM0015-1")

    assert recorder.kinds() == ["lock", "token", "save", "unlock", "tweet"]


def test_a_second_connector_uses_the_refresh_another_made(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add_callback(responses.POST, TOKEN_URL, callback=token_granted(recorder))
    api.add_callback(responses.POST, TWEETS, callback=tweet_created(recorder, "1806"))
    api.add_callback(responses.POST, TWEETS, callback=tweet_created(recorder, "1807"))
    account = oauth2_account(recorder, expires_at=time.time() - 10)
    # Two jobs built from the same stored (expired) credentials, one after the other.
    first = XConnector(account, http)
    second = XConnector(account, http)

    first.publish("One", idempotency_key="SM0016-1")
    second.publish("Two", idempotency_key="SM0017-1")

    assert recorder.kinds() == ["token", "save", "tweet", "tweet"]
    assert recorder.events[3] == ("tweet", "Bearer access-new")


def user_found(recorder: Recorder, username: str = "aroha_nz") -> Any:
    """Answer a /2/users/me request as X's API v2 docs show, noting it in the recorder."""

    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        recorder.events.append(("me", request.headers.get("Authorization")))
        body = {"data": {"id": "2244994945", "name": "Aroha Ngata", "username": username}}
        return 200, {}, json.dumps(body)

    return answer


def test_whoami_returns_the_username_with_the_bearer_token(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add_callback(responses.GET, ME, callback=user_found(recorder, "aroha_nz"))
    connector = XConnector(oauth2_account(recorder), http, recorder.lock)

    assert connector.whoami() == "aroha_nz"

    (call,) = api.calls
    assert call.request.method == "GET"
    assert call.request.headers["Authorization"] == "Bearer access-old"
    assert recorder.kinds() == ["me"]  # a good token: no refresh, no lock


def test_whoami_signs_the_request_for_oauth1_accounts(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add_callback(responses.GET, ME, callback=user_found(recorder, "aroha_nz"))
    connector = XConnector(oauth1_account(recorder), http)

    assert connector.whoami() == "aroha_nz"

    assert_signed_with_oauth1(api.calls[0].request)
    assert recorder.saved() == []


def test_whoami_refused_for_an_oauth1_account_is_an_auth_error(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add(responses.GET, ME, json=UNAUTHORIZED, status=401)
    connector = XConnector(oauth1_account(recorder), http)

    with pytest.raises(AuthError, match="access token was refused"):
        connector.whoami()
    assert len(api.calls) == 1


def test_whoami_refreshes_an_expired_token_first(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add_callback(responses.POST, TOKEN_URL, callback=token_granted(recorder))
    api.add_callback(responses.GET, ME, callback=user_found(recorder, "aroha_nz"))
    account = oauth2_account(recorder, expires_at=time.time() - 10)
    connector = XConnector(account, http, recorder.lock)

    assert connector.whoami() == "aroha_nz"

    assert recorder.kinds() == ["lock", "token", "save", "unlock", "me"]
    (saved,) = recorder.saved()
    assert saved["access_token"] == "access-new"
    assert saved["refresh_token"] == "refresh-new"
    assert recorder.events[4] == ("me", "Bearer access-new")


@pytest.mark.parametrize(
    ("ours", "xs"),
    [
        ("Tea & talk at 3 <room 2>", "Tea &amp; talk at 3 &lt;room 2&gt;"),
        ("Slides: https://example.org/a?b=1 thanks", "Slides: https://t.co/Ab00000001 thanks"),
        ("See example.org for more", "See https://t.co/Ab00000002 for more"),
        ("Line one\n\nline two ", "Line one\n\nline two"),
    ],
)
def test_our_text_matches_the_tweet_x_shows_for_it(ours: str, xs: str) -> None:
    assert comparable_text(ours) == comparable_tweet(xs)


def test_different_words_do_not_match() -> None:
    assert comparable_text("Tea & talk at 3") != comparable_tweet("Tea &amp; talk at 4")


# --- mentions ---------------------------------------------------------------------------------

USER_ID = "1849273750123456789"
MENTIONS = f"https://api.twitter.com/2/users/{USER_ID}/mentions"
MERE = {"id": "1612837465", "name": "Mere Tane", "username": "mere_t"}
HEMI = {"id": "1723948576", "name": "Hemi Walker", "username": "hemiw"}
AROHA = {"id": USER_ID, "name": "Aroha", "username": "aroha_nz"}


def tweet(
    tweet_id: str, author: dict[str, str], text: str, replied_to: str | None = None
) -> dict[str, Any]:
    """A tweet as the mentions timeline gives it with the fields the connector asks for."""
    body: dict[str, Any] = {
        "id": tweet_id,
        "text": text,
        "author_id": author["id"],
        "created_at": f"2026-11-23T0{int(tweet_id) % 10}:15:00.000Z",
        "conversation_id": "1801" if replied_to else tweet_id,
        "edit_history_tweet_ids": [tweet_id],
    }
    if replied_to:
        body["in_reply_to_user_id"] = USER_ID
        body["referenced_tweets"] = [{"type": "replied_to", "id": replied_to}]
    return body


def mentions_page(
    tweets: list[dict[str, Any]], users: list[dict[str, str]], next_token: str | None = None
) -> dict[str, Any]:
    """A page of GET /2/users/:id/mentions as X answers it: newest first, with meta."""
    if not tweets:
        return {"meta": {"result_count": 0}}
    meta: dict[str, Any] = {
        "result_count": len(tweets),
        "newest_id": tweets[0]["id"],
        "oldest_id": tweets[-1]["id"],
    }
    if next_token:
        meta["next_token"] = next_token
    return {"data": tweets, "includes": {"users": users}, "meta": meta}


def query(call: Any) -> dict[str, str]:
    """The query string of a recorded call, one value per name."""
    return {k: v[0] for k, v in parse_qs(call.request.url.split("?", 1)[1]).items()}


def test_mentions_are_read_oldest_first_with_their_authors(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add(responses.GET, ME, json={"data": AROHA})
    page = [
        tweet("1806", AROHA, "@mere_t Thanks! (2/2)", replied_to="1805"),  # her own thread
        tweet("1805", HEMI, "Great to see @aroha_nz at the hui"),
        tweet("1804", MERE, "@aroha_nz Ka pai!", replied_to="1801"),
    ]
    api.add(responses.GET, MENTIONS, json=mentions_page(page, [AROHA, HEMI, MERE]))
    account = oauth2_account(recorder)
    connector = XConnector(account, http, recorder.lock)
    assert connector.reads_replies

    read = connector.mentions(None)

    assert [(m.remote_id, m.author, m.text) for m in read.items] == [
        ("1804", "mere_t", "@aroha_nz Ka pai!"),
        ("1805", "hemiw", "Great to see @aroha_nz at the hui"),
    ]
    reply, mention = read.items
    assert reply.url == "https://x.com/mere_t/status/1804"
    assert reply.in_reply_to == "1801"
    assert mention.in_reply_to is None
    assert reply.created_at == datetime(2026, 11, 23, 4, 15, tzinfo=UTC)
    assert read.cursor == "1806"
    assert query(api.calls[1]) == {
        "max_results": "20",
        "expansions": "author_id",
        "tweet.fields": "created_at,in_reply_to_user_id,referenced_tweets,conversation_id",
    }
    assert api.calls[1].request.headers["Authorization"] == "Bearer access-old"
    assert recorder.kinds() == ["lock", "save", "unlock"]
    assert recorder.events[0] == ("lock", f"x-token-refresh:{account.id}")
    (saved,) = recorder.saved()
    assert saved["user_id"] == USER_ID
    assert saved["refresh_token"] == "refresh-old"  # the stored credentials, kept whole


def test_the_cursor_reads_back_to_it_page_by_page_and_the_user_id_is_kept(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    newest = mentions_page(
        [tweet("1810", MERE, "@aroha_nz three")],
        [MERE],
        next_token="7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i",
    )
    older = mentions_page([tweet("1809", HEMI, "@aroha_nz two")], [HEMI])
    api.add(responses.GET, MENTIONS, json=newest)
    api.add(responses.GET, MENTIONS, json=older)
    api.add(responses.GET, MENTIONS, json=mentions_page([], []))
    connector = XConnector(oauth2_account(recorder, user_id=USER_ID), http, recorder.lock)

    read = connector.mentions("1808")
    again = connector.mentions(read.cursor)

    assert [m.text for m in read.items] == ["@aroha_nz two", "@aroha_nz three"]
    assert read.cursor == "1810"
    assert again == Mentions([], "1810")
    first, second, third = (query(call) for call in api.calls)  # no GET /2/users/me
    assert (first["since_id"], first["max_results"]) == ("1808", "100")
    assert "pagination_token" not in first
    assert second["pagination_token"] == "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i"
    assert second["since_id"] == "1808"
    assert third["since_id"] == "1810"
    assert recorder.events == []


def test_an_answer_replies_to_the_mention(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    page = [tweet("1804", MERE, "@aroha_nz Where is it?", replied_to="1801")]
    api.add(responses.GET, MENTIONS, json=mentions_page(page, [MERE]))
    api.add_callback(responses.POST, TWEETS, callback=tweet_created(recorder, "1811"))
    connector = XConnector(oauth2_account(recorder, user_id=USER_ID), http)
    (mention,) = connector.mentions(None).items

    connector.publish("@mere_t In the wharenui", "SM0500-answer", mention.answer)

    assert mention.answer.root.remote_id == "1801"  # the conversation it belongs to
    assert request_json(api.calls[1]) == {
        "text": "@mere_t In the wharenui",
        "reply": {"in_reply_to_tweet_id": "1804"},
    }


def test_rate_limited_mentions_are_transient_until_the_reset(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    reset = int(time.time()) + 600
    api.add(
        responses.GET,
        MENTIONS,
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        status=429,
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
    )
    connector = XConnector(oauth2_account(recorder, user_id=USER_ID), http)

    with pytest.raises(TransientError) as caught:
        connector.mentions("1808")

    assert caught.value.retry_after is not None
    assert 590 < caught.value.retry_after <= 600


@pytest.fixture
def x_peer(api: responses.RequestsMock) -> XApi:
    """X's API for @aroha_nz with its media endpoints, at the transport."""
    api.assert_all_requests_are_fired = False
    return XApi(api)


@pytest.mark.parametrize("account", [oauth2_account, oauth1_account])
def test_one_and_two_photos_are_uploaded_described_then_tweeted(
    x_peer: XApi, http: requests.Session, recorder: Recorder, account: Any
) -> None:
    connector = XConnector(account(recorder), http)

    one = connector.publish("Our poster", "SM0101-1", images=[photo()])
    two = connector.publish("", "SM0102-1", images=[photo(alt="Room 4"), photo(40, 80, "Room 5")])

    first, second = x_peer.tweets
    assert (one.remote_id, two.remote_id) == (first["id"], second["id"])
    assert [m["alt_text"] for m in x_peer.photos(first)] == ["Our poster"]
    assert [m["alt_text"] for m in x_peer.photos(second)] == ["Room 4", "Room 5"]
    kept = x_peer.photos(first) + x_peer.photos(second)
    assert [(m["media_type"], m["data"][:2]) for m in kept] == [("image/jpeg", b"\xff\xd8")] * 3
    assert first["text"].startswith("Our poster https://t.co/")  # X's link to its photos


def test_alt_text_is_cut_to_xs_thousand_characters(
    x_peer: XApi, http: requests.Session, recorder: Recorder
) -> None:
    connector = XConnector(oauth2_account(recorder), http)

    connector.publish("A long description", "SM0103-1", images=[photo(alt="word " * 300)])

    (tweet,) = x_peer.tweets
    assert x_peer.photos(tweet)[0]["alt_text"] == ("word " * 300)[:1000]


def test_only_four_photos_go_in_a_tweet(
    x_peer: XApi, http: requests.Session, recorder: Recorder
) -> None:
    connector = XConnector(oauth2_account(recorder), http)

    connector.publish("Six photos", "SM0104-1", images=[photo(alt=f"Room {n}") for n in range(6)])

    (tweet,) = x_peer.tweets
    assert [m["alt_text"] for m in x_peer.photos(tweet)] == [f"Room {n}" for n in range(4)]
    assert x_peer.uploads == 4


def test_a_photo_over_five_megabytes_is_shrunk_to_fit(
    x_peer: XApi, http: requests.Session, recorder: Recorder
) -> None:
    connector = XConnector(oauth2_account(recorder), http)
    big = photo(2600, 2600, noise=True)  # noise compresses badly: well over 5 MB at quality 95
    assert len(big.data) > 5 * 1024 * 1024

    connector.publish("A big one", "SM0105-1", images=[big])

    (tweet,) = x_peer.tweets
    assert len(x_peer.photos(tweet)[0]["data"]) <= 5 * 1024 * 1024


def test_a_tweet_with_photos_whose_answer_was_lost_is_found_by_its_words(
    x_peer: XApi, http: requests.Session, recorder: Recorder
) -> None:
    connector = XConnector(oauth2_account(recorder, user_id=x_peer.user_id), http)
    since = datetime.now(UTC)
    x_peer.lose_answer()

    with pytest.raises(TransientError):
        connector.publish("Our poster", "SM0106-1", images=[photo()])
    found = connector.find_published("Our poster", since, None)

    (tweet,) = x_peer.tweets
    assert found == Published(tweet["id"], f"https://x.com/aroha_nz/status/{tweet['id']}")


def test_a_refused_upload_is_content_rejected_in_xs_words(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add(
        responses.POST,
        "https://api.x.com/2/media/upload",
        json={"title": "Invalid Request", "detail": "Unsupported media type.", "status": 400},
        status=400,
    )
    connector = XConnector(oauth2_account(recorder), http)

    with pytest.raises(ContentRejected, match="Unsupported media type"):
        connector.publish("Our poster", "SM0107-1", images=[photo()])


def test_an_upload_outage_is_transient(
    api: responses.RequestsMock, http: requests.Session, recorder: Recorder
) -> None:
    api.add(responses.POST, "https://api.x.com/2/media/upload", status=503, body="")
    connector = XConnector(oauth2_account(recorder), http)

    with pytest.raises(TransientError):
        connector.publish("Our poster", "SM0108-1", images=[photo()])
