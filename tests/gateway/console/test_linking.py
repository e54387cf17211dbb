"""Linking accounts from the console and by a LINK code: Mastodon OAuth, Bluesky app password."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy import select
from werkzeug.test import TestResponse

from store.models import Account, AuditEntry, OAuthClient, OutboundMessage
from tests.conftest import free_port, run_jobs
from tests.factories import add_inbound, add_person
from tests.gateway.console.conftest import SignIn, answer_consent, post_form, sign_in
from tests.peers.bluesky import BlueskyPds
from tests.peers.mastodon import MastodonPeer
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound


@pytest.fixture
def mastodon() -> Iterator[MastodonPeer]:
    """A Mastodon instance on 127.0.0.1, with its OAuth provider."""
    with MastodonPeer() as running:
        yield running


def consent(peer_redirect: TestResponse, decision: str = "allow") -> str:
    """Follow the app's redirect to the instance, answer its consent page; return our callback."""
    return answer_consent(peer_redirect.headers["Location"], decision, "Authorization required")


def start_mastodon(client: FlaskClient, mastodon: MastodonPeer, page: str) -> TestResponse:
    """Choose Mastodon on the linking page and give the instance's address."""
    return post_form(client, page, "/link/mastodon", instance=mastodon.url)


def test_an_admin_links_a_mastodon_account_through_its_consent_page(
    client: FlaskClient, admin: SignIn, rt: Runtime, queue: Queue, mastodon: MastodonPeer
) -> None:
    person = add_person(rt, name="Aroha", accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")

    leaving = start_mastodon(client, mastodon, "/link/choose")
    callback = consent(leaving)
    back = client.get(callback)
    run_jobs(queue)

    assert back.status_code == 302 and back.headers["Location"] == f"/console/people/{person}"
    with rt.sessions() as session:
        account = session.scalars(select(Account)).one()
        credentials = rt.secrets.open(account.credentials)
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "account linked")
        ).one()
        text = session.scalars(select(OutboundMessage.body)).one()
    assert (account.platform, account.handle) == ("mastodon", f"aroha@{mastodon.host}")
    assert credentials == {"instance": mastodon.url, "access_token": credentials["access_token"]}
    assert credentials["access_token"] in mastodon.oauth.issued  # a token of its own
    (registration,) = mastodon.requests_to("POST", "/api/v1/apps")
    assert registration.body["scopes"] == "write:statuses read:notifications profile"
    assert registration.body["redirect_uris"] == "http://127.0.0.1:5000/link/callback/mastodon"
    assert (entry.actor, entry.target) == ("admin@example.org", "+64211234567")
    assert text.startswith(f"Linked Mastodon @aroha@{mastodon.host}")
    assert "Linked Mastodon" in client.get(f"/console/people/{person}").get_data(as_text=True)


def test_the_app_is_registered_once_per_instance(
    client: FlaskClient, admin: SignIn, rt: Runtime, mastodon: MastodonPeer
) -> None:
    first = add_person(rt, phone="+64215550301", accounts=[])
    second = add_person(rt, phone="+64215550302", accounts=[])
    sign_in(client, admin)

    for person in (first, second):
        client.get(f"/console/people/{person}/link")
        client.get(consent(start_mastodon(client, mastodon, "/link/choose")))

    assert len(mastodon.requests_to("POST", "/api/v1/apps")) == 1
    with rt.sessions() as session:
        (kept,) = session.scalars(select(OAuthClient)).all()
        assert len(session.scalars(select(Account)).all()) == 2
    assert kept.client_secret != mastodon.oauth.apps[0].client_secret  # stored encrypted
    assert rt.secrets.open(kept.client_secret) == {"secret": mastodon.oauth.apps[0].client_secret}


def test_a_denied_consent_links_nothing_and_says_so(
    client: FlaskClient, admin: SignIn, rt: Runtime, mastodon: MastodonPeer
) -> None:
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")

    back = client.get(consent(start_mastodon(client, mastodon, "/link/choose"), decision="deny"))

    assert back.status_code == 400
    assert "it was denied" in back.get_data(as_text=True)
    with rt.sessions() as session:
        assert session.scalars(select(Account)).all() == []


def test_a_callback_works_once_and_only_with_its_own_state(
    client: FlaskClient, admin: SignIn, rt: Runtime, mastodon: MastodonPeer
) -> None:
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")
    callback = consent(start_mastodon(client, mastodon, "/link/choose"))
    forged = re.sub(r"state=[^&]+", "state=forged", callback)

    wrong_state = client.get(forged)
    client.get(f"/console/people/{person}/link")
    callback = consent(start_mastodon(client, mastodon, "/link/choose"))
    first = client.get(callback)
    replayed = client.get(callback)

    assert wrong_state.status_code == 400
    assert "was not started in this browser" in wrong_state.get_data(as_text=True)
    assert first.status_code == 302
    assert replayed.status_code == 400
    with rt.sessions() as session:
        assert len(session.scalars(select(Account)).all()) == 1


def test_an_address_that_is_no_mastodon_server_is_told(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")

    bad = post_form(client, "/link/choose", "/link/mastodon", instance="not a server/at all")

    assert bad.status_code == 400
    assert "is not a Mastodon server&#39;s address" in bad.get_data(as_text=True)


def test_linking_pages_need_an_admin_or_a_code(
    client: FlaskClient, organiser: SignIn, rt: Runtime
) -> None:
    person = add_person(rt, accounts=[])

    assert client.get("/link/choose").status_code == 403
    sign_in(client, organiser)
    assert client.get(f"/console/people/{person}/link").status_code == 403


def texted_link_code(rt: Runtime) -> str:
    """Text LINK as the person does; return the code in the answer."""
    process_inbound(rt, add_inbound(rt, "LINK", sid="SMlink"))
    with rt.sessions() as session:
        answer = session.scalars(
            select(OutboundMessage.body).order_by(OutboundMessage.id.desc())
        ).first()
    assert answer is not None
    found = re.search(r"open 127\.0\.0\.1:5000/link and type (\d{4} \d{4})\. It works once", answer)
    assert found, answer
    return found.group(1)


def test_a_person_links_their_own_mastodon_account_with_a_link_code(
    client: FlaskClient, rt: Runtime, mastodon: MastodonPeer
) -> None:
    add_person(rt, name="Aroha Ngata", accounts=[])
    code = texted_link_code(rt)

    entered = post_form(client, "/link", "/link", code=code)
    choose = client.get("/link/choose").get_data(as_text=True)
    done = client.get(consent(start_mastodon(client, mastodon, "/link/choose")))

    assert entered.headers["Location"] == "/link/choose"
    assert "Link an account, Aroha" in choose and "Ngata" not in choose
    assert done.status_code == 200
    assert f"Linked Mastodon @aroha@{mastodon.host}" in done.get_data(as_text=True)
    with rt.sessions() as session:
        actors = session.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "account linked")
        ).all()
    assert actors == ["person"]


def test_a_link_code_works_once_and_a_wrong_one_is_told(client: FlaskClient, rt: Runtime) -> None:
    add_person(rt, accounts=[])
    code = texted_link_code(rt)

    wrong = post_form(client, "/link", "/link", code="0000 0000")
    right = post_form(client, "/link", "/link", code=code.replace(" ", ""))
    other_browser = client.application.test_client()
    again = post_form(other_browser, "/link", "/link", code=code)

    assert wrong.status_code == again.status_code == 401
    assert "That code is not right, or it was used already" in wrong.get_data(as_text=True)
    assert right.status_code == 302


def test_guessing_link_codes_is_paused(client: FlaskClient, rt: Runtime) -> None:
    statuses = [post_form(client, "/link", "/link", code=f"{n:08d}").status_code for n in range(11)]

    assert statuses == [401] * 10 + [429]


def test_a_bluesky_account_is_linked_with_an_app_password(
    client: FlaskClient, admin: SignIn, rt: Runtime, bluesky_pds: BlueskyPds
) -> None:
    account = bluesky_pds.create_account(f"console{rt.settings.queue_name[:3]}{id(client) % 10000}")
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")

    wrong = post_form(
        client,
        "/link/choose",
        "/link/bluesky",
        handle=account.handle,
        app_password="nope-nope-nope-nope",
        service=bluesky_pds.url,
    )
    right = post_form(
        client,
        "/link/choose",
        "/link/bluesky",
        handle=f"@{account.handle}",
        app_password=account.app_password,
        service=bluesky_pds.url,
    )

    assert wrong.status_code == 400
    assert "Bluesky refused these credentials" in wrong.get_data(as_text=True)
    assert right.status_code == 302
    with rt.sessions() as session:
        linked = session.scalars(select(Account)).one()
    assert (linked.platform, linked.handle) == ("bluesky", account.handle)
    assert rt.secrets.open(linked.credentials)["app_password"] == account.app_password


def test_a_server_that_does_not_answer_is_told_in_plain_words(
    client: FlaskClient, admin: SignIn, rt: Runtime
) -> None:
    person = add_person(rt, accounts=[])
    sign_in(client, admin)
    client.get(f"/console/people/{person}/link")
    silent = f"http://127.0.0.1:{free_port()}"  # a port nothing listens on

    refused = post_form(client, "/link/choose", "/link/mastodon", instance=silent)

    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert f"could not reach {silent}: check the server&#39;s address." in page
    assert "ConnectionPool" not in page
