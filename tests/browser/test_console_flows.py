"""Whole console journeys in a real browser: a person added and linked, an event made."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from store.db import transaction
from store.models import Event, utcnow
from tests.browser.test_console_sign_in import demo_sign_ins, sign_in
from tests.e2e.conftest import Stack
from tests.gateway.console.conftest import make_staff
from tests.peers.mastodon import MastodonPeer
from workers.runtime import Runtime


@pytest.fixture
def mastodon() -> Iterator[MastodonPeer]:
    """A Mastodon instance on 127.0.0.1, with its OAuth provider."""
    with MastodonPeer() as running:
        yield running


def test_the_admin_adds_a_person_and_links_their_mastodon_account(
    page: Page, rt: Runtime, site: Stack, mastodon: MastodonPeer
) -> None:
    demo = demo_sign_ins(rt, site)
    sign_in(page, demo["admin email"], demo["admin"])

    page.get_by_role("link", name="People").first.click()
    page.get_by_label("Mobile number").fill("021 555 0401")
    page.get_by_label("Name", exact=True).fill("Mere Tautahi")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("heading", name="Mere Tautahi")).to_be_visible()
    expect(page.get_by_text("A code is being texted to the phone")).to_be_visible()

    page.get_by_role("link", name="Link an account").click()
    page.get_by_label("Mastodon server").fill(mastodon.url)
    page.get_by_role("button", name="Link a Mastodon account").click()
    expect(page.get_by_role("heading", name="Authorization required")).to_be_visible()
    page.get_by_role("button", name="Authorize").click()

    expect(page).to_have_url(re.compile(r"/console/people/\d+$"))
    expect(page.get_by_role("status")).to_have_text(f"Linked Mastodon @aroha@{mastodon.host}.")
    expect(page.get_by_role("cell", name=f"@aroha@{mastodon.host}", exact=True)).to_be_visible()

    page.get_by_role("button", name="Switch phone off").click()
    expect(page.get_by_role("status")).to_contain_text("is switched off")
    page.get_by_role("button", name="Switch phone on").click()
    expect(page.get_by_role("status")).to_contain_text("is switched on")

    page.get_by_role("link", name="Audit log").click()
    for action in ("person added", "account linked", "phone switched off", "phone switched on"):
        expect(page.get_by_role("cell", name=action, exact=True)).to_be_visible()


def test_an_organiser_makes_an_event_and_cannot_open_anothers(
    page: Page, rt: Runtime, site: Stack
) -> None:
    demo = demo_sign_ins(rt, site)
    other = make_staff(rt, "other@example.org", "organiser")
    with transaction(rt.sessions) as session:
        session.add(
            Event(
                code="OTHERS",
                name="Someone else's",
                hashtags="#others",
                starts_at=utcnow(),
                ends_at=utcnow() + timedelta(days=1),
                organiser_id=other.id,
            )
        )
    sign_in(page, demo["organiser email"], demo["organiser"])

    page.get_by_role("link", name="Create an event").first.click()
    page.get_by_label("Join code").fill("HUI26")
    page.get_by_label("Name", exact=True).fill("Hui 2026")
    page.get_by_label("Hashtags").fill("#hui26 #social work")
    page.get_by_label("Starts").fill("2026-12-01T09:00")
    page.get_by_label("Ends").fill("2026-12-03T17:00")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_text("a hashtag cannot hold a space")).to_be_visible()

    page.get_by_label("Hashtags").fill("#hui26 #socialwork")
    page.get_by_role("button", name="Create event").click()
    expect(page.get_by_role("status")).to_contain_text("Created HUI26")
    expect(page.get_by_text("JOIN HUI26", exact=True)).to_be_visible()

    public_names = page.get_by_label("Public names")
    public_names.fill("Liz Beddoe\nWhānau Ora Waikato\nliz beddoe")
    page.get_by_role("button", name="Save event").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_label("Public names")).to_have_value("Liz Beddoe\nWhānau Ora Waikato")

    response = page.goto("/console/events/OTHERS")
    assert response is not None and response.status == 403
    for path in ("/console/people/", "/console/staff/", "/console/rq/"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
