"""Linking a Facebook Page: Facebook Login, a long-lived user token, the Page's own token."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from config import Settings
from store.models import Account
from tests.factories import add_person
from tests.gateway.console.conftest import SignIn, answer_consent, app_with, post_form, sign_in
from tests.peers.facebook import API_VERSION, FacebookPeer
from workers.runtime import Runtime

APP_ID = "1234567890"
APP_SECRET = "fb-app-secret"
CALLBACK = "http://127.0.0.1:5000/link/callback/facebook"


@pytest.fixture
def facebook() -> Iterator[FacebookPeer]:
    """The Graph API and Facebook Login on 127.0.0.1, our app registered."""
    with FacebookPeer() as running:
        running.register_app(APP_ID, APP_SECRET, CALLBACK)
        yield running


@pytest.fixture
def fb_app(settings: Settings, clean_state: None, facebook: FacebookPeer) -> Iterator[Flask]:
    """The app with a Facebook app configured, pointed at the peer."""
    with app_with(
        settings,
        facebook_app_id=APP_ID,
        facebook_app_secret=APP_SECRET,
        facebook_graph_url=f"{facebook.url}/{API_VERSION}",
        facebook_dialog_url=f"{facebook.url}/{API_VERSION}/dialog/oauth",
    ) as app:
        yield app


def session_of(app: Flask, set_cookies: list[str]) -> dict[str, object]:
    """The session a response set, as its cookie carries it (signed, not encrypted)."""
    (cookie,) = [c for c in set_cookies if c.startswith("session=")]
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    stored: dict[str, object] = serializer.loads(cookie.split(";")[0].removeprefix("session="))
    return stored


def test_the_one_page_a_person_manages_is_linked_with_its_own_token(
    fb_app: Flask, admin: SignIn, rt: Runtime, facebook: FacebookPeer
) -> None:
    client = fb_app.test_client()
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")

    leaving = post_form(client, "/link/choose", "/link/facebook")
    back = client.get(answer_consent(leaving.headers["Location"], "allow"))

    assert "scope=pages_show_list%2Cpages_manage_posts" in leaving.headers["Location"]
    assert back.status_code == 302, back.get_data(as_text=True)
    assert sorted(facebook.user_tokens.values()) == ["long", "short"]
    exchanges = facebook.requests_to("POST", f"/{API_VERSION}/oauth/access_token")
    assert [r.body.get("grant_type") for r in exchanges] == [
        "authorization_code",
        "fb_exchange_token",
    ]
    with rt.sessions() as session:
        account = session.scalars(select(Account)).one()
    assert (account.platform, account.handle) == ("facebook", facebook.page_name)
    assert rt.secrets.open(account.credentials) == {
        "page_id": facebook.page_id,
        "access_token": facebook.access_token,  # the Page's token, not the user's
        "api_base": facebook.url,
    }


def test_a_person_with_several_pages_chooses_one(
    fb_app: Flask, admin: SignIn, rt: Runtime, facebook: FacebookPeer
) -> None:
    facebook.pages.append(
        {
            "access_token": "other-page-token",
            "name": "Other Page",
            "id": "999",
            "tasks": ["CREATE_CONTENT", "MANAGE"],
        }
    )
    facebook.pages.append(
        {"access_token": "x", "name": "Read Only", "id": "998", "tasks": ["ANALYZE"]}
    )
    client = fb_app.test_client()
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")

    leaving = post_form(client, "/link/choose", "/link/facebook")
    choice = client.get(answer_consent(leaving.headers["Location"], "allow"))
    page = choice.get_data(as_text=True)
    waiting = session_of(fb_app, choice.headers.getlist("Set-Cookie"))
    chosen = post_form(client, "/link/choose", "/link/facebook/page", page_id=facebook.page_id)

    assert "Which Facebook Page?" in page and "Other Page" in page
    assert "Read Only" not in page  # it may not post there
    assert "other-page-token" not in page
    assert "facebook_pages" in waiting  # sealed: the tokens are not readable in the cookie
    assert "other-page-token" not in json.dumps(waiting)
    assert chosen.status_code == 302
    with rt.sessions() as session:
        account = session.scalars(select(Account)).one()
    assert account.handle == facebook.page_name


def test_a_cancelled_login_links_nothing(
    fb_app: Flask, admin: SignIn, rt: Runtime, facebook: FacebookPeer
) -> None:
    client = fb_app.test_client()
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")

    leaving = post_form(client, "/link/choose", "/link/facebook")
    back = client.get(answer_consent(leaving.headers["Location"], "cancel"))

    assert back.status_code == 400
    assert "Facebook was not allowed to link the account" in back.get_data(as_text=True)
