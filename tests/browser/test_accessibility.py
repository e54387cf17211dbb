"""Every console page passes axe-core's WCAG 2.1 A and AA rules, in Chromium, at two widths."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from store.models import HeldPost, Staff
from tests.browser.test_console_sign_in import demo_sign_ins, sign_in
from tests.e2e.conftest import Stack
from tests.factories import add_inbound, add_person
from workers.runtime import Runtime
from workers.texts_in.inbound import process_inbound

ROOT = Path(__file__).resolve().parents[2]
UNAVAILABLE = 75  # scripts/axe-core: npm or its registry cannot be reached
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ADMIN_PAGES = [
    "/console/",
    "/console/people/",
    "/console/people/{person}",
    "/console/events/",
    "/console/events/new",
    "/console/events/SWRB13",
    "/console/held/",
    "/console/operations/",
    "/console/staff/",
    "/console/staff/{organiser}",
    "/console/audit/",
    "/console/password",
    "/console/people/{person}/link",  # the linking page, for the person
    "/console/events/SWRB13/wall",  # moderating the wall
    "/console/events/SWRB13/followers",  # following by text: notices, the day's texts
    "/events/SWRB13/wall",  # the wall itself
    "/dev/phone",  # the phone simulator (development)
]
WIDTHS = [1280, 360]


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe.min.js, installed once from the npm registry (scripts/axe-core)."""
    found = subprocess.run(
        [str(ROOT / "scripts" / "axe-core")], capture_output=True, text=True, check=False
    )
    if found.returncode == UNAVAILABLE:
        pytest.skip(f"axe-core is not available here: {found.stderr.strip()}")
    assert found.returncode == 0, found.stderr
    return Path(found.stdout.strip()).read_text()


@pytest.fixture
def checked_page(browser: Browser, site: Stack, axe_source: str) -> Iterator[Page]:
    """A tab with axe loaded into every page (as an init script: the CSP stays as it is)."""
    context = browser.new_context(base_url=site.url)
    context.add_init_script(script=axe_source)
    yield context.new_page()
    context.close()


def violations(page: Page) -> list[str]:
    """axe's WCAG A/AA violations on the page, one line each: rule, impact, where."""
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => `${v.id} (${v.impact}): ${v.nodes.map(n => n.target).join(' ')}`)",
        WCAG,
    )
    return list(found)


def test_every_admin_page_passes_wcag_a_and_aa(
    checked_page: Page, rt: Runtime, site: Stack
) -> None:
    demo = demo_sign_ins(rt, site)
    person = add_person(rt, phone="+64215550901", name="Hone")
    process_inbound(rt, add_inbound(rt, "Ring 021 555 1234", sender="+64215550901", sid="SMa11y"))
    with rt.sessions() as session:
        # Something on every page: a held post, and an organiser's own page.
        assert session.scalars(select(HeldPost.id)).one()
        organiser = session.scalars(select(Staff.id).where(Staff.role == "organiser")).one()
    sign_in(checked_page, demo["admin email"], demo["admin"])

    found = {}
    for width in WIDTHS:
        checked_page.set_viewport_size({"width": width, "height": 900})
        for path in ADMIN_PAGES:
            checked_page.goto(path.format(person=person, organiser=organiser))
            problems = violations(checked_page)
            if problems:
                found[f"{path} at {width}px"] = problems

    assert found == {}


def test_the_pages_people_see_pass_too(checked_page: Page, rt: Runtime, site: Stack) -> None:
    demo = demo_sign_ins(rt, site)
    checked_page.goto("/console/sign-in")
    signed_out = violations(checked_page)
    checked_page.goto("/link")
    link_code = violations(checked_page)
    sign_in(checked_page, demo["organiser email"], demo["organiser"])
    organiser_home = violations(checked_page)

    assert (signed_out, link_code, organiser_home) == ([], [], [])
