"""An event's followers in a real browser: the organiser opens it, previews a notice, sends it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import update

from gateway.cli.demo import DEMO_CODE, DEMO_FOLLOWER_PHONE, DEMO_NAME, DEMO_PHONE
from store.db import transaction
from store.models import Event
from tests.browser.test_console_sign_in import demo_sign_ins, sign_in
from tests.e2e.conftest import Stack
from workers.runtime import Runtime

SENT_MS = 30_000  # a worker starts and sends it; the page's next reload (every 5 s) shows it


def test_the_organiser_opens_the_event_to_followers_and_sends_a_notice(
    page: Page, rt: Runtime, site: Stack
) -> None:
    demo = demo_sign_ins(rt, site)
    with transaction(rt.sessions) as session:  # as a new event starts: closed to followers
        session.execute(update(Event).values(open_to_followers=False))
    sign_in(page, demo["organiser email"], demo["organiser"])
    page.goto(f"/console/events/{DEMO_CODE}")

    page.get_by_role("link", name="Followers by text").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{DEMO_CODE} followers")
    page.get_by_role("button", name="Open to followers").click()
    expect(page.get_by_role("status")).to_contain_text(f"{DEMO_CODE} is open to followers")
    expect(page.get_by_role("button", name="Close to followers")).to_be_visible()

    page.get_by_label("Notice").fill("Lunch is in the atrium today")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview: not sent yet")
    expect(preview).to_contain_text(f"{DEMO_CODE}: Lunch is in the atrium today")
    expect(preview).to_contain_text("To 1 phone, 1 segment each: 1 segment in all.")
    expect(preview).to_contain_text("Today's budget left: 1000 of 1000 segments.")

    preview.get_by_role("button", name="Send to 1 phone").click()
    expect(page.get_by_role("status")).to_contain_text("The notice is sending to 1 phone")
    row = page.get_by_role("row", name=f"{DEMO_CODE}: Lunch is in the atrium today")
    expect(row).to_contain_text("notice")
    expect(row).to_contain_text("0 sent, 1 waiting, 0 failed, 0 not sent")

    page.get_by_role("link", name="Watch it go").click()
    site.start_worker()  # the notice was queued: a worker now sends it
    # Asked to, the page reloads itself while the notice sends, with no script, until done.
    expect(row).to_contain_text("1 sent, 0 waiting, 0 failed, 0 not sent", timeout=SENT_MS)
    expect(row).to_contain_text("done", timeout=SENT_MS)
    expect(page.get_by_text("Texts today: 1 of 1000 segments.")).to_be_visible()


def test_a_strangers_phone_follows_from_the_phone_page_and_gets_the_next_post(
    page: Page, rt: Runtime, site: Stack
) -> None:
    demo_sign_ins(rt, site)  # the demo event, open to followers
    site.start_worker()
    page.goto("/dev/phone")
    conversation = page.locator("#conversation")

    page.get_by_label("Or another number").fill(DEMO_FOLLOWER_PHONE)
    page.get_by_label("Text").fill(f"FOLLOW {DEMO_CODE} ALL")
    page.get_by_role("button", name="Send").click()
    expect(conversation).to_contain_text("To follow SWRB13 by text, reply", timeout=SENT_MS)
    code = re.search(r"reply (\d{6})", conversation.inner_text())
    assert code is not None
    page.get_by_label("Text").fill(code.group(1))
    page.get_by_role("button", name="Send").click()
    expect(conversation).to_contain_text("You follow SWRB13: every post", timeout=SENT_MS)

    page.get_by_label("Phone of").select_option(label=f"{DEMO_NAME} ({DEMO_PHONE})")
    page.get_by_label("Text").fill("Live from the hall, kia ora")
    page.get_by_role("button", name="Send").click()
    expect(conversation).to_contain_text("Posted to", timeout=SENT_MS)

    page.get_by_label("Or another number").fill(DEMO_FOLLOWER_PHONE)
    page.get_by_label("Or another number").dispatch_event("change")
    expect(conversation).to_contain_text(
        "SWRB13 @aroha: Live from the hall, kia ora", timeout=SENT_MS
    )
