"""Linking X: OAuth 2.0 with PKCE and offline.access, the token endpoint at the transport."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from config import Settings
from store.models import Account
from tests.factories import add_person
from tests.gateway.console.conftest import SignIn, app_with, post_form, sign_in
from tests.peers.x import XApi, XOAuth
from workers.runtime import Runtime

CLIENT_ID = "x-client-id"
CLIENT_SECRET = "x-client-secret"


@pytest.fixture
def x_app(settings: Settings, clean_state: None) -> Iterator[Flask]:
    """The app with an X app configured."""
    with app_with(settings, x_client_id=CLIENT_ID, x_client_secret=CLIENT_SECRET) as app:
        yield app


@pytest.fixture
def x() -> Iterator[tuple[XApi, XOAuth]]:
    """X's API and token endpoint, at the requests transport."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield XApi(mock), XOAuth(mock, CLIENT_ID, CLIENT_SECRET)


def test_an_admin_links_an_x_account_with_pkce(
    x_app: Flask, admin: SignIn, rt: Runtime, x: tuple[XApi, XOAuth]
) -> None:
    api, oauth = x
    client = x_app.test_client()
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")

    leaving = post_form(client, "/link/choose", "/link/x")
    authorize = leaving.headers["Location"]
    back = client.get(oauth.consent(authorize))

    assert authorize.startswith("https://x.com/i/oauth2/authorize?")
    assert "scope=tweet.read+tweet.write+users.read+offline.access" in authorize
    assert back.status_code == 302, back.get_data(as_text=True)
    (exchange,) = oauth.exchanges
    assert exchange["grant_type"] == "authorization_code"
    assert exchange["redirect_uri"] == "http://127.0.0.1:5000/link/callback/x"
    with rt.sessions() as session:
        account = session.scalars(select(Account)).one()
    assert (account.platform, account.handle) == ("x", api.username)
    assert rt.secrets.open(account.credentials) == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "access_token": "x-access-1",
        "refresh_token": "x-refresh-1",
    }


def test_a_code_with_the_wrong_verifier_links_nothing(
    x_app: Flask, admin: SignIn, rt: Runtime, x: tuple[XApi, XOAuth]
) -> None:
    _, oauth = x
    client = x_app.test_client()
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")
    callback = oauth.consent(post_form(client, "/link/choose", "/link/x").headers["Location"])
    # Another browser's flow: its own verifier, so X refuses the code.
    oauth.codes["x-code-1"] = ("not-this-flows-challenge", *oauth.codes["x-code-1"][1:])

    back = client.get(callback)

    assert back.status_code == 400
    assert "X did not give us a token" in back.get_data(as_text=True)
    with rt.sessions() as session:
        assert session.scalars(select(Account)).all() == []


def test_without_an_x_app_x_is_not_offered(client: FlaskClient, admin: SignIn, rt: Runtime) -> None:
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")

    page = client.get("/link/choose").get_data(as_text=True)

    assert "X is not set up on this gateway" in page
    assert post_form(client, "/link/choose", "/link/x").status_code == 400
