"""The AT Protocol's OAuth client and the Bluesky connector on its tokens, against the real PDS.

Tokens come from a real sign-in: PAR to the PDS, its own pages answered in
Chromium, the redirect back caught by the browser, the code exchanged here.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import requests
from playwright.sync_api import Browser

from tests.conftest import free_port
from tests.peers.bluesky import BlueskyAccount, BlueskyPds, answer_sign_in
from tests.peers.mastodon import MastodonPeer
from tests.peers.server import LocalServer
from workers.platforms import LinkedAccount, Thread
from workers.platforms.bluesky import BlueskyConnector
from workers.platforms.bluesky_oauth import (
    SCOPE,
    AuthServer,
    DPoPAuth,
    OAuthProblem,
    Tokens,
    discover,
    exchange_code,
    new_dpop_key,
    push_authorization,
    refresh,
    verify_identity,
)
from workers.platforms.errors import AuthError
from workers.runtime import Runtime


class Callback(LocalServer):
    """A client's redirect URI: answers any request, keeping its query string."""

    name = "oauth-callback"

    def __init__(self) -> None:
        super().__init__()
        self.queries: list[str] = []

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.queries.append(environ.get("QUERY_STRING", ""))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"back"]


@dataclass
class SignIn:
    """A finished sign-in: the account, its server, our client and the tokens granted."""

    account: BlueskyAccount
    server: AuthServer
    client_id: str
    dpop_key: dict[str, Any]
    tokens: Tokens
    code: str
    redirect_uri: str
    verifier: str


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """One HTTP session for the calls a test makes itself."""
    with requests.Session() as session:
        yield session


def sign_in(browser: Browser, pds: BlueskyPds, http: requests.Session) -> SignIn:
    """Sign a new account in as a loopback client would; return what the sign-in gave."""
    account = pds.create_account(f"tama{uuid.uuid4().hex[:8]}")
    with Callback() as callback:
        redirect_uri = f"http://127.0.0.1:{callback.port}/callback"
        return _sign_in(browser, pds, http, account, redirect_uri, callback)


def _sign_in(
    browser: Browser,
    pds: BlueskyPds,
    http: requests.Session,
    account: BlueskyAccount,
    redirect_uri: str,
    callback: Callback,
) -> SignIn:
    """Sign the account in, the browser sent back to the callback."""
    client_id = "http://localhost?" + urlencode({"redirect_uri": redirect_uri, "scope": SCOPE})
    server = discover(http, pds.url)
    key, verifier, state = new_dpop_key(), secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url = push_authorization(
        http, server, client_id, redirect_uri, state, verifier, key, account.handle
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(url)
        answer_sign_in(page, account)
        page.wait_for_url(lambda url: url.startswith(redirect_uri))
    finally:
        context.close()
    query = parse_qs(callback.queries[0])
    assert query["state"] == [state] and query["iss"] == [server.issuer]
    code = query["code"][0]
    tokens = exchange_code(http, server, client_id, redirect_uri, code, verifier, key)
    return SignIn(account, server, client_id, key, tokens, code, redirect_uri, verifier)


@pytest.fixture
def signed_in(browser: Browser, bluesky_pds: BlueskyPds, http: requests.Session) -> SignIn:
    """A new account on the PDS, signed in."""
    return sign_in(browser, bluesky_pds, http)


def thread_locks() -> Callable[[str], AbstractContextManager[Any]]:
    """Locks by name, shared by the threads of this process."""
    locks: dict[str, threading.Lock] = {}
    return lambda name: locks.setdefault(name, threading.Lock())


@dataclass
class Store:
    """An account's stored credentials, every saved version, and a lock by name."""

    credentials: dict[str, Any]
    saved: list[dict[str, Any]] = field(default_factory=list)
    # One holder at a time per name (a thread lock here; the workers' Redis lock where given).
    lock: Callable[[str], AbstractContextManager[Any]] = field(
        default_factory=lambda: thread_locks()
    )

    def save(self, credentials: dict[str, Any]) -> None:
        """Store new credentials, as the worker's saver does."""
        self.saved.append(dict(credentials))
        self.credentials = dict(credentials)

    def connector(self, handle: str) -> BlueskyConnector:
        """A connector on the credentials stored now."""
        account = LinkedAccount(
            7, handle, dict(self.credentials), self.save, lambda: dict(self.credentials)
        )
        return BlueskyConnector(account, None, self.lock)


def stored(pds: BlueskyPds, done: SignIn) -> Store:
    """The credentials the console stores for this sign-in."""
    return Store(
        {
            "service": pds.public_url,
            "did": done.tokens.sub,
            "client_id": done.client_id,
            "token_endpoint": done.server.token_endpoint,
            "dpop_key": done.dpop_key,
            "access_token": done.tokens.access_token,
            "refresh_token": done.tokens.refresh_token,
            "expires_at": done.tokens.expires_at,
        }
    )


def test_discovery_finds_the_pds_s_own_sign_in_server(
    bluesky_pds: BlueskyPds, http: requests.Session
) -> None:
    found = discover(http, bluesky_pds.url)

    port = urlsplit(bluesky_pds.url).port
    assert found == AuthServer(
        issuer=f"http://localhost:{port}",
        authorization_endpoint=f"http://localhost:{port}/oauth/authorize",
        par_endpoint=f"http://localhost:{port}/oauth/par",
        token_endpoint=f"http://localhost:{port}/oauth/token",
    )


def test_a_server_whose_oauth_lacks_dpop_and_par_is_refused(http: requests.Session) -> None:
    with MastodonPeer() as mastodon, pytest.raises(OAuthProblem) as refused:
        discover(http, mastodon.url)

    assert "lacks what Bluesky's OAuth needs" in str(refused.value)
    assert "pushed_authorization_request_endpoint" in str(refused.value)
    assert not refused.value.transient


def test_an_unreachable_server_is_transient(http: requests.Session) -> None:
    with pytest.raises(OAuthProblem) as refused:
        discover(http, f"http://127.0.0.1:{free_port()}")

    assert refused.value.transient
    assert "could not reach" in str(refused.value)


def test_a_sign_in_gives_dpop_bound_tokens_for_the_account(
    signed_in: SignIn, bluesky_pds: BlueskyPds
) -> None:
    token = signed_in.tokens.access_token
    url = f"{bluesky_pds.public_url}/xrpc/com.atproto.server.getSession"

    as_bearer = httpx.get(url, headers={"Authorization": f"Bearer {token}"})
    with httpx.Client(auth=DPoPAuth(signed_in.dpop_key, lambda: token)) as bound:
        with_proof = bound.get(url)

    assert signed_in.tokens.sub == signed_in.account.did
    assert as_bearer.status_code in {400, 401}, as_bearer.text
    assert with_proof.status_code == 200, with_proof.text
    assert with_proof.json()["handle"] == signed_in.account.handle


def test_the_code_works_once(signed_in: SignIn, http: requests.Session) -> None:
    with pytest.raises(OAuthProblem) as refused:
        exchange_code(
            http,
            signed_in.server,
            signed_in.client_id,
            signed_in.redirect_uri,
            signed_in.code,
            signed_in.verifier,
            signed_in.dpop_key,
        )

    assert refused.value.error == "invalid_grant"


def test_the_account_s_own_server_must_trust_the_issuer(
    signed_in: SignIn, bluesky_pds: BlueskyPds, http: requests.Session
) -> None:
    sub, issuer = signed_in.tokens.sub, signed_in.server.issuer

    found = verify_identity(http, sub, issuer, bluesky_pds.plc_url)
    with pytest.raises(OAuthProblem) as refused:
        verify_identity(http, sub, "https://sign-in.example", bluesky_pds.plc_url)

    assert found == issuer  # the dev PDS is its own sign-in server
    assert "is not the one" in str(refused.value)


def test_the_connector_posts_and_reads_whoami_on_the_tokens(
    signed_in: SignIn, bluesky_pds: BlueskyPds
) -> None:
    store = stored(bluesky_pds, signed_in)
    connector = store.connector(signed_in.account.handle)

    who = connector.whoami()
    published = connector.publish("Posted with a DPoP-bound token", "oauth-post-1")

    assert who == signed_in.account.handle
    assert bluesky_pds.get_record(published.remote_id)["value"]["text"] == (
        "Posted with a DPoP-bound token"
    )
    assert store.saved == []  # nothing to refresh yet


def test_an_expiring_token_is_refreshed_and_stored_before_use(
    signed_in: SignIn, bluesky_pds: BlueskyPds, http: requests.Session
) -> None:
    store = stored(bluesky_pds, signed_in)
    store.credentials["expires_at"] = 0.0
    first = dict(store.credentials)

    published = store.connector(signed_in.account.handle).publish("After a refresh", "oauth-2")

    (saved,) = store.saved
    assert saved["access_token"] != first["access_token"]
    assert saved["refresh_token"] != first["refresh_token"]
    assert saved["expires_at"] > first["expires_at"]
    assert bluesky_pds.get_record(published.remote_id)["value"]["text"] == "After a refresh"
    # The old refresh token is spent: a second use of it would end the sign-in.
    with pytest.raises(OAuthProblem) as spent:
        refresh(
            http,
            first["token_endpoint"],
            first["client_id"],
            first["refresh_token"],
            first["dpop_key"],
        )
    assert spent.value.error == "invalid_grant"


def test_jobs_refreshing_at_once_refresh_once(
    signed_in: SignIn, bluesky_pds: BlueskyPds, rt: Runtime
) -> None:
    store = stored(bluesky_pds, signed_in)
    store.lock = rt.connectors.lock  # the workers' own lock, on Redis
    store.credentials["expires_at"] = 0.0
    barrier = threading.Barrier(4)

    def post(n: int) -> str:
        connector = store.connector(signed_in.account.handle)
        barrier.wait()
        return connector.publish(f"At once {n}", f"oauth-at-once-{n}").remote_id

    with ThreadPoolExecutor(4) as pool:
        posted = list(pool.map(post, range(4)))

    assert len(store.saved) == 1
    assert len(set(posted)) == 4
    assert [bluesky_pds.get_record(uri)["value"]["text"] for uri in posted] == [
        f"At once {n}" for n in range(4)
    ]


def test_a_spent_refresh_token_means_linking_again(
    signed_in: SignIn, bluesky_pds: BlueskyPds
) -> None:
    store = stored(bluesky_pds, signed_in)
    store.credentials["expires_at"] = 0.0
    stale = Store(dict(store.credentials))
    store.connector(signed_in.account.handle).whoami()  # refreshes, spending the token

    with pytest.raises(AuthError) as ended:
        stale.connector(signed_in.account.handle).whoami()

    assert "Bluesky ended the sign-in" in str(ended.value)


def test_replies_are_read_on_the_tokens_through_the_pds(
    signed_in: SignIn, bluesky_pds: BlueskyPds
) -> None:
    connector = stored(bluesky_pds, signed_in).connector(signed_in.account.handle)
    post = connector.publish("Kia ora from the hui", "oauth-mentions-1")
    mere = bluesky_pds.create_account(f"mere{uuid.uuid4().hex[:8]}")
    as_mere = Store(
        {"service": bluesky_pds.url, "identifier": mere.handle, "app_password": mere.app_password}
    ).connector(mere.handle)
    reply = as_mere.publish("Ka pai!", "mere-1", Thread(post, post))

    read = connector.mentions(None)

    assert [(m.remote_id, m.author, m.text) for m in read.items] == [
        (reply.remote_id, mere.handle, "Ka pai!")
    ]
