"""The live wall in a real browser: texts from the phone page arrive, hiding removes them."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import update

from gateway.cli.demo import DEMO_CODE, DEMO_NAME, DEMO_PHONE
from store.db import transaction
from store.models import Event
from tests.browser.test_console_sign_in import demo_sign_ins, sign_in
from tests.e2e.conftest import Stack, simulate
from tests.workers.texts_in.test_images import phone_photo
from workers.runtime import Runtime

ARRIVES_MS = 15_000  # the worker, then the wall's next look: seconds, not a reload
WALL = f"/events/{DEMO_CODE}/wall"


def make_public(rt: Runtime) -> None:
    """The organiser's choice: the demo event's wall is for the hall's projector."""
    with transaction(rt.sessions) as session:
        session.execute(update(Event).values(wall_public=True))


def send_from_phone(page: Page, text: str) -> None:
    """Type a text on the phone simulator as the demo person, and send it."""
    page.goto("/dev/phone")
    page.get_by_label("Phone of").select_option(label=f"{DEMO_NAME} ({DEMO_PHONE})")
    page.get_by_label("Text").fill(text)
    page.get_by_role("button", name="Send").click()


def test_a_text_from_the_phone_page_arrives_on_the_open_wall_and_hiding_removes_it(
    page: Page, other_page: Page, rt: Runtime, site: Stack
) -> None:
    demo = demo_sign_ins(rt, site)
    make_public(rt)
    site.start_worker()
    other_page.goto(WALL)  # the projector: signed out, watching
    expect(other_page.get_by_role("heading", level=1)).to_be_visible()

    send_from_phone(page, "Live from the hall, kia ora")

    expect(page.locator("#conversation")).to_contain_text("Posted to", timeout=ARRIVES_MS)
    post = other_page.locator("#posts li", has_text="Live from the hall, kia ora")
    expect(post).to_be_visible(timeout=ARRIVES_MS)
    expect(post).to_contain_text("Local timeline @aroha")
    expect(other_page.locator("body")).not_to_contain_text(DEMO_PHONE)

    sign_in(page, demo["organiser email"], demo["organiser"])
    page.goto(f"/console/events/{DEMO_CODE}/wall")
    page.get_by_role("button", name=re.compile(r"^Hide post p\d+$")).first.click()
    expect(page.get_by_role("status")).to_have_text("Hidden from the wall.")

    expect(post).to_have_count(0, timeout=ARRIVES_MS)  # the open wall, no reload


def test_the_archive_downloads_in_three_formats_holding_the_post(
    page: Page, rt: Runtime, site: Stack, tmp_path: Path
) -> None:
    demo = demo_sign_ins(rt, site)
    site.start_worker()
    send_from_phone(page, "For the archive: Māori kupu 🎉")
    expect(page.locator("#conversation")).to_contain_text("Posted to", timeout=ARRIVES_MS)
    sign_in(page, demo["organiser email"], demo["organiser"])
    page.goto(f"/console/events/{DEMO_CODE}/wall")

    saved = {}
    for kind in ("HTML", "CSV", "JSON"):
        with page.expect_download() as download:
            page.get_by_role("link", name=kind, exact=True).click()
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        saved[kind] = path.read_text(encoding="utf-8")

    for kind, content in saved.items():
        assert "For the archive: Māori kupu 🎉" in content, kind
    assert "<script" not in saved["HTML"]
    # Opened from disk, the HTML file stands alone.
    page.goto((tmp_path / f"{DEMO_CODE.lower()}-archive.html").as_uri())
    expect(page.get_by_text("For the archive: Māori kupu 🎉 #swrb13")).to_be_visible()


def test_the_organiser_downloads_our_copies_of_the_photos(
    page: Page, rt: Runtime, site: Stack, tmp_path: Path
) -> None:
    demo = demo_sign_ins(rt, site)
    site.start_worker()
    photo = tmp_path / "poster.jpg"
    photo.write_bytes(phone_photo())
    simulate(site, "--media", str(photo), "Our poster")
    assert "Posted to" in simulate(site, "YES")
    sign_in(page, demo["organiser email"], demo["organiser"])
    page.goto(f"/console/events/{DEMO_CODE}/wall")

    with page.expect_download() as download:
        page.get_by_role("link", name="our copies (ZIP)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)

    assert path.name == f"{DEMO_CODE.lower()}-photos.zip"
    with zipfile.ZipFile(path) as archive:
        photos = [name for name in archive.namelist() if name.startswith("photos/")]
        index = archive.read("photos.csv").decode("utf-8-sig")
    assert len(photos) == 1 and photos[0].endswith(".jpg")
    assert f"{photos[0]},20" in index and ",Our poster," in index  # file, time; description


def test_a_private_wall_sends_a_signed_out_visitor_to_sign_in(
    page: Page, rt: Runtime, site: Stack
) -> None:
    demo_sign_ins(rt, site)

    page.goto(WALL)

    expect(page).to_have_url(re.compile(r"/console/sign-in"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
