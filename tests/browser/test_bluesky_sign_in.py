"""Linking Bluesky by the AT Protocol's OAuth, in a real browser, through the real PDS's pages."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from store.models import Account, utcnow
from tests.browser.test_console_sign_in import demo_sign_ins, sign_in
from tests.e2e.conftest import Stack
from tests.peers.bluesky import BlueskyAccount, BlueskyPds, answer_sign_in
from workers.platforms.bluesky import record_key
from workers.publishing.accounts import AccountRef, connector_for
from workers.runtime import Runtime


@pytest.fixture
def env(
    env: dict[str, str], bluesky_pds: BlueskyPds, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The test installation, looking DIDs up in the PDS's own PLC directory."""
    monkeypatch.setenv("BLUESKY_PLC_URL", bluesky_pds.plc_url)
    return {**env, "BLUESKY_PLC_URL": bluesky_pds.plc_url}


def test_the_admin_links_a_bluesky_account_by_signing_in_on_its_server(
    page: Page, rt: Runtime, site: Stack, bluesky_pds: BlueskyPds
) -> None:
    account = bluesky_pds.create_account(f"hemi{uuid.uuid4().hex[:6]}")
    open_linking(page, rt, site, "021 555 0402", "Hemi Walker")

    start_sign_in(page, bluesky_pds, account)
    answer_sign_in(page, account)

    expect(page).to_have_url(re.compile(r"/console/people/\d+$"))
    expect(page.get_by_role("status")).to_have_text(f"Linked Bluesky @{account.handle}.")
    row = page.get_by_role("row").filter(has_text=f"@{account.handle}")
    expect(row).to_contain_text("ok")
    with rt.sessions() as session:
        stored = session.scalars(select(Account).where(Account.platform == "bluesky")).one()
        ref = AccountRef.of(stored)
        expires_at = stored.token_expires_at
    credentials = rt.secrets.open(ref.sealed)
    assert credentials["did"] == account.did
    assert "app_password" not in credentials and "session" not in credentials
    # Bluesky ends a public client's sign-in after two weeks: the console knows when.
    assert expires_at is not None
    assert timedelta(days=13) < expires_at - utcnow() <= timedelta(days=14)

    # The worker posts with what was stored: DPoP-bound calls to the account's PDS.
    published = connector_for(rt, ref).publish("Kia ora from a basic phone", "bluesky-oauth-1")
    record = bluesky_pds.get_record(published.remote_id)
    assert record["value"]["text"] == "Kia ora from a basic phone"
    assert published.remote_id.endswith(record_key("bluesky-oauth-1"))
    assert published.remote_id.startswith(f"at://{account.did}/")


def test_a_denied_sign_in_links_nothing(
    page: Page, rt: Runtime, site: Stack, bluesky_pds: BlueskyPds
) -> None:
    account = bluesky_pds.create_account(f"rawiri{uuid.uuid4().hex[:6]}")
    open_linking(page, rt, site, "021 555 0403", "Rawiri Paki")

    start_sign_in(page, bluesky_pds, account)
    answer_sign_in(page, account, "Deny access")

    expect(page.get_by_text("Bluesky was not allowed to link the account")).to_be_visible()
    with rt.sessions() as session:
        assert session.scalars(select(Account).where(Account.platform == "bluesky")).all() == []


def test_a_server_without_oauth_is_told_on_the_page(page: Page, rt: Runtime, site: Stack) -> None:
    open_linking(page, rt, site, "021 555 0404", "Mere Paki")
    form = page.locator("form", has=page.get_by_role("button", name="Sign in with Bluesky"))

    # The console itself answers, but it is no Bluesky server.
    form.get_by_label("Bluesky server").fill(site.url)
    form.get_by_role("button", name="Sign in with Bluesky").click()

    expect(form.get_by_text("would not start a sign-in")).to_be_visible()
    expect(form.get_by_label("Bluesky server")).to_have_attribute("aria-invalid", "true")


def open_linking(page: Page, rt: Runtime, site: Stack, phone: str, name: str) -> None:
    """Sign in as the demo admin, add a person, and open their linking page."""
    demo = demo_sign_ins(rt, site)
    sign_in(page, demo["admin email"], demo["admin"])
    page.get_by_role("link", name="People").first.click()
    page.get_by_label("Mobile number").fill(phone)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Add person").click()
    page.get_by_role("link", name="Link an account").click()


def start_sign_in(page: Page, pds: BlueskyPds, account: BlueskyAccount) -> None:
    """On the choice page, ask to sign in on the PDS with the account's handle."""
    form = page.locator("form", has=page.get_by_role("button", name="Sign in with Bluesky"))
    form.get_by_label("Bluesky server").fill(pds.url)
    form.get_by_label("Bluesky handle").fill(account.handle)
    form.get_by_role("button", name="Sign in with Bluesky").click()
