"""Linking LinkedIn: 3-legged OAuth against the LinkedIn peer; the 60-day expiry kept and shown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from config import Settings
from store.db import transaction
from store.models import Account, utcnow
from tests.factories import add_person
from tests.gateway.console.conftest import SignIn, answer_consent, app_with, post_form, sign_in
from tests.peers.linkedin import LinkedInPeer
from workers.runtime import Runtime

CLIENT_ID = "li-client-id"
CLIENT_SECRET = "li-client-secret"
CALLBACK = "http://127.0.0.1:5000/link/callback/linkedin"


@pytest.fixture
def linkedin() -> Iterator[LinkedInPeer]:
    """LinkedIn's API and authorization server on 127.0.0.1, our app registered."""
    with LinkedInPeer() as running:
        running.register_app(CLIENT_ID, CLIENT_SECRET, CALLBACK)
        yield running


@pytest.fixture
def li_app(settings: Settings, clean_state: None, linkedin: LinkedInPeer) -> Iterator[Flask]:
    """The app with a LinkedIn app configured, pointed at the peer."""
    with app_with(
        settings,
        linkedin_client_id=CLIENT_ID,
        linkedin_client_secret=CLIENT_SECRET,
        linkedin_oauth_url=f"{linkedin.url}/oauth/v2",
        linkedin_api_url=linkedin.url,
    ) as app:
        yield app


def test_an_admin_links_linkedin_and_its_expiry_is_kept(
    li_app: Flask, admin: SignIn, rt: Runtime, linkedin: LinkedInPeer
) -> None:
    client = li_app.test_client()
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")

    leaving = post_form(client, "/link/choose", "/link/linkedin")
    back = client.get(answer_consent(leaving.headers["Location"], "allow"))

    assert "scope=openid+profile+w_member_social" in leaving.headers["Location"]
    assert back.status_code == 302, back.get_data(as_text=True)
    assert linkedin.oauth is not None
    (exchange,) = linkedin.oauth.exchanges
    assert (exchange["grant_type"], exchange["redirect_uri"]) == ("authorization_code", CALLBACK)
    with rt.sessions() as session:
        account = session.scalars(select(Account)).one()
    assert account.platform == "linkedin"
    assert rt.secrets.open(account.credentials) == {
        "access_token": linkedin.access_token,
        "api_base": linkedin.url,
        "author": linkedin.author,
    }
    assert account.token_expires_at is not None
    assert timedelta(days=59) < account.token_expires_at - utcnow() <= timedelta(days=60)
    page = client.get(f"/console/people/{person}").get_data(as_text=True)
    assert ">ok<" in page


def test_a_token_a_week_from_its_end_is_flagged(
    li_app: Flask, admin: SignIn, rt: Runtime, linkedin: LinkedInPeer
) -> None:
    client = li_app.test_client()
    person = add_person(rt, accounts=[("linkedin", "Aroha Ngata", {})])
    with transaction(rt.sessions) as session:
        session.execute(
            update(Account).values(token_expires_at=utcnow() + timedelta(days=3, hours=1))
        )
    sign_in(client, admin)

    page = client.get(f"/console/people/{person}").get_data(as_text=True)
    front = client.get("/console/").get_data(as_text=True)

    assert "expires in 3 days: link it again" in page
    assert "LinkedIn @Aroha Ngata" in front


def test_a_cancelled_consent_links_nothing(
    li_app: Flask, admin: SignIn, rt: Runtime, linkedin: LinkedInPeer
) -> None:
    client = li_app.test_client()
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")

    leaving = post_form(client, "/link/choose", "/link/linkedin")
    back = client.get(answer_consent(leaving.headers["Location"], "cancel"))

    assert back.status_code == 400
    assert "LinkedIn was not allowed to link the account" in back.get_data(as_text=True)
    with rt.sessions() as session:
        assert session.scalars(select(Account)).all() == []
