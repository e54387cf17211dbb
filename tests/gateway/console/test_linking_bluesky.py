"""Linking Bluesky by OAuth from the console: the client id, PAR to the real PDS, the way back.

The PDS's own sign-in pages need a browser: the whole round trip is in
tests/browser/test_bluesky_sign_in.py. Here are the ends our app owns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from config import Settings
from store.models import Account
from tests.conftest import free_port
from tests.factories import add_person
from tests.gateway.console.conftest import SignIn, app_with, post_form, sign_in
from tests.peers.bluesky import BlueskyPds
from workers.runtime import Runtime

CALLBACK = "http://127.0.0.1:5000/link/callback/bluesky"


@pytest.fixture
def linking(client: FlaskClient, admin: SignIn, rt: Runtime) -> FlaskClient:
    """An admin's browser on a new person's linking page."""
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")
    return client


@pytest.fixture
def on_https(settings: Settings, clean_state: None) -> Iterator[Flask]:
    """The app as deployed, its PUBLIC_URL on https."""
    with app_with(settings, public_url="https://gateway.example.org") as app:
        yield app


def flow_of(client: FlaskClient) -> dict[str, str]:
    """The OAuth flow this browser's session holds."""
    with client.session_transaction() as session:
        return dict(session["oauth"])


def test_the_loopback_client_id_is_used_on_a_development_machine(client: FlaskClient) -> None:
    metadata = client.get("/link/bluesky/client-metadata.json").get_json()

    client_id = urlsplit(metadata["client_id"])
    assert (client_id.scheme, client_id.netloc, client_id.path) == ("http", "localhost", "")
    assert parse_qs(client_id.query) == {
        "redirect_uri": [CALLBACK],
        "scope": ["atproto transition:generic"],
    }


def test_in_production_the_client_id_is_its_own_metadata_document(on_https: Flask) -> None:
    response = on_https.test_client().get("/link/bluesky/client-metadata.json")

    metadata = response.get_json()
    assert response.headers["Content-Type"] == "application/json"
    assert metadata["client_id"] == (
        "https://gateway.example.org/link/bluesky/client-metadata.json"
    )
    assert metadata["redirect_uris"] == ["https://gateway.example.org/link/callback/bluesky"]
    assert metadata["scope"] == "atproto transition:generic"
    assert metadata["grant_types"] == ["authorization_code", "refresh_token"]
    assert metadata["dpop_bound_access_tokens"] is True
    assert metadata["token_endpoint_auth_method"] == "none"


def test_a_gateway_on_plain_http_elsewhere_offers_app_passwords_only(
    settings: Settings, clean_state: None, admin: SignIn, rt: Runtime
) -> None:
    person = add_person(rt, accounts=[])
    with app_with(settings, public_url="http://gateway.example.org") as app:
        client = app.test_client()
        sign_in(client, admin)
        client.get(f"/console/people/{person}/link")
        page = client.get("/link/choose").get_data(as_text=True)

    assert "Bluesky sign-in needs PUBLIC_URL on https" in page
    assert "Sign in with Bluesky" not in page
    assert "Link with an app password" in page


def test_signing_in_pushes_the_request_to_the_pds_and_sends_the_browser_there(
    linking: FlaskClient, rt: Runtime, bluesky_pds: BlueskyPds
) -> None:
    leaving = post_form(
        linking, "/link/choose", "/link/bluesky/sign-in", server=bluesky_pds.url, account=""
    )

    assert leaving.status_code == 302
    where = urlsplit(leaving.headers["Location"])
    query = parse_qs(where.query)
    assert f"{where.scheme}://{where.netloc}{where.path}" == (
        f"{bluesky_pds.public_url}/oauth/authorize"
    )
    # Pushed (PAR): the browser carries only a reference, not our request.
    assert set(query) == {"client_id", "request_uri"}
    assert query["request_uri"][0].startswith("urn:ietf:params:oauth:request_uri:")
    flow = flow_of(linking)
    assert flow["server"] == bluesky_pds.public_url  # the issuer the answer must name
    assert len(flow["verifier"]) >= 43
    # The DPoP key stays secret from the browser that carries the session.
    assert "dpop" not in json.dumps(flow) and '"d"' not in json.dumps(flow)
    assert rt.secrets.open(flow["sealed"])["dpop_key"]["crv"] == "P-256"


def test_an_answer_naming_another_issuer_links_nothing(
    linking: FlaskClient, rt: Runtime, bluesky_pds: BlueskyPds
) -> None:
    post_form(linking, "/link/choose", "/link/bluesky/sign-in", server=bluesky_pds.url)
    state = flow_of(linking)["state"]

    back = linking.get(
        "/link/callback/bluesky",
        query_string={"state": state, "code": "cod-abc", "iss": "https://elsewhere.example"},
    )

    assert back.status_code == 400
    assert "another sign-in server than the one we asked" in back.get_data(as_text=True)
    with rt.sessions() as session:
        assert session.scalars(select(Account)).all() == []


def test_a_code_the_pds_never_gave_is_refused_in_its_words(
    linking: FlaskClient, rt: Runtime, bluesky_pds: BlueskyPds
) -> None:
    post_form(linking, "/link/choose", "/link/bluesky/sign-in", server=bluesky_pds.url)
    flow = flow_of(linking)

    back = linking.get(
        "/link/callback/bluesky",
        query_string={"state": flow["state"], "code": "cod-forged", "iss": flow["server"]},
    )
    again = linking.get(
        "/link/callback/bluesky",
        query_string={"state": flow["state"], "code": "cod-forged", "iss": flow["server"]},
    )

    assert back.status_code == 400
    assert "Bluesky did not give us a token" in back.get_data(as_text=True)
    assert again.status_code == 400  # the state was spent by the first answer
    assert "was not started in this browser" in again.get_data(as_text=True)
    with rt.sessions() as session:
        assert session.scalars(select(Account)).all() == []


def test_a_server_that_does_not_answer_is_told(linking: FlaskClient) -> None:
    silent = f"http://127.0.0.1:{free_port()}"  # a port nothing listens on

    refused = post_form(linking, "/link/choose", "/link/bluesky/sign-in", server=silent)

    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert f"{silent} would not start a sign-in: could not reach {silent}." in page


def test_a_typed_address_that_is_no_server_is_told(linking: FlaskClient) -> None:
    refused = post_form(
        linking, "/link/choose", "/link/bluesky/sign-in", server="bsky.social/profile/someone"
    )

    assert refused.status_code == 400
    assert "is not a Bluesky server&#39;s address" in refused.get_data(as_text=True)
