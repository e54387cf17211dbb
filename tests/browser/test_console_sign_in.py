"""The console in a real browser: signing in, roles, CSRF, and a phone-sized screen."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from gateway.cli.demo import seed_demo, seed_demo_staff
from store.db import transaction
from tests.e2e.conftest import Stack
from workers.runtime import Runtime


def demo_sign_ins(rt: Runtime, site: Stack) -> dict[str, str]:
    """Make the demo admin and organiser as `make run` does; return their passwords by role."""
    with transaction(rt.sessions) as session:
        seed_demo(session, rt.secrets)
        made = seed_demo_staff(session, site.settings.var_dir)
    return {role: password for _, role, password in made} | {
        f"{role} email": email for email, role, _ in made
    }


def sign_in(page: Page, email: str, password: str) -> None:
    """Fill the sign-in form as a person would, by its labels."""
    page.goto("/console/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_the_demo_admin_signs_in_adds_an_organiser_and_signs_out(
    page: Page, other_page: Page, rt: Runtime, site: Stack
) -> None:
    demo = demo_sign_ins(rt, site)
    sign_in(page, demo["admin email"], demo["admin"])
    expect(page.get_by_role("heading", name="Kia ora, admin@example.org")).to_be_visible()

    page.get_by_role("link", name="Sign-ins").first.click()
    page.get_by_label("Email").fill("tui@example.org")
    page.get_by_label("Role").select_option("organiser")
    page.get_by_label("New password", exact=True).fill("a first password to hand over")
    page.get_by_label("New password again").fill("a first password to hand over")
    page.get_by_role("button", name="Add sign-in").click()
    expect(page.get_by_role("status")).to_contain_text("Added tui@example.org as organiser.")

    sign_in(other_page, "tui@example.org", "a first password to hand over")
    expect(other_page.get_by_text("You are an organiser")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/console/sign-in$"))
    expect(page.get_by_role("status")).to_have_text("Signed out.")


def test_an_organiser_cannot_open_admin_pages(page: Page, rt: Runtime, site: Stack) -> None:
    demo = demo_sign_ins(rt, site)
    sign_in(page, demo["organiser email"], demo["organiser"])
    expect(page.get_by_text("You are an organiser")).to_be_visible()
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)

    for path in ("/console/staff/", "/console/audit/"):
        response = page.goto(path)
        assert response is not None and response.status == 403
        expect(page.get_by_role("heading", name="You cannot open this page")).to_be_visible()


def test_a_wrong_password_is_told_and_a_form_without_its_token_is_refused(
    page: Page, rt: Runtime, site: Stack
) -> None:
    demo = demo_sign_ins(rt, site)
    sign_in(page, demo["admin email"], "not the password at all")
    expect(page.get_by_text("That email and password do not match a sign-in.")).to_be_visible()

    page.goto("/console/sign-in")
    page.locator("input[name=csrf_token]").evaluate("field => field.remove()")
    page.get_by_label("Email").fill(demo["admin email"])
    page.get_by_label("Password").fill(demo["admin"])
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="That form was not accepted")).to_be_visible()
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/sign-in"))


def test_the_console_fits_a_phone_screen(page: Page, rt: Runtime, site: Stack) -> None:
    demo = demo_sign_ins(rt, site)
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, demo["admin email"], demo["admin"])
    page.goto("/console/audit/")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")

    assert overflow <= 0
    expect(page.get_by_role("button", name="Filter")).to_be_visible()
