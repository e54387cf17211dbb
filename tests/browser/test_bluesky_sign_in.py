"""Linking Bluesky by the AT Protocol's OAuth, in a real browser, through the real PDS's own pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from store.db import transaction
from store.models import Account, Person
from tests.browser.test_console_sign_in import demo_sign_ins, sign_in
from tests.e2e.conftest import Stack
from tests.peers.bluesky import BlueskyAccount, BlueskyPds
from workers.runtime import Runtime


@pytest.fixture
def env(env: dict[str, str], bluesky_pds: BlueskyPds, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The test installation, looking DIDs up in the PDS's own PLC directory."""
    monkeypatch.setenv("BLUESKY_PLC_URL", bluesky_pds.plc_url)
    return {**env, "BLUESKY_PLC_URL": bluesky_pds.plc_url}


def test_the_admin_links_a_bluesky_account_by_signing_in_on_its_server(
    page: Page, rt: Runtime, site: Stack, bluesky_pds: BlueskyPds
) -> None:
    account = bluesky_pds.create_account("hemi")
    demo = demo_sign_ins(rt, site)
    sign_in(page, demo["admin email"], demo["admin"])
    page.get_by_role("link", name="People").first.click()
    page.get_by_label("Mobile number").fill("021 555 0402")
    page.get_by_label("Name", exact=True).fill("Hemi Walker")
    page.get_by_role("button", name="Add person").click()
    page.get_by_role("link", name="Link an account").click()

    start_sign_in(page, bluesky_pds, account)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_label("Password", exact=True).press("Enter")
    page.get_by_role("button", name="Authorize").click()
    expect(page).to_have_url(re.compile(r"/console/people/\d+$"))
    expect(page.get_by_role("status")).to_have_text(f"Linked Bluesky @{account.handle}.")


def start_sign_in(page: Page, pds: BlueskyPds, account: BlueskyAccount) -> None:
    """On the choice page, ask to sign in on the PDS with the account's handle."""
    form = page.locator("form", has=page.get_by_role("button", name="Sign in with Bluesky"))
    form.get_by_label("Bluesky server").fill(pds.url)
    form.get_by_label("Bluesky handle").fill(account.handle)
    form.get_by_role("button", name="Sign in with Bluesky").click()
