"""Browser tests: Playwright driving Debian's Chromium against gunicorn serving the app.

Chromium comes from Debian (`make test` installs it with apt where it can);
Playwright's own browser download cannot work on machines without the internet.
A screenshot of each test's last page goes to test-output/browser/. The browser
itself is a fixture of tests/conftest.py: other tests sign in on real pages too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import Stack, make_stack

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "browser"

pytestmark = pytest.mark.browser


@pytest.fixture
def site(env: dict[str, str], tmp_path: Path, clean_state: None) -> Iterator[Stack]:
    """gunicorn serving the app on a free port, on the test database and Redis."""
    stack = make_stack(env, tmp_path)
    try:
        stack.start_web()
        yield stack
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.stop()


@pytest.fixture
def page(browser: Browser, site: Stack, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser tab (its own cookies) on the site; screenshotted when the test ends."""
    context = browser.new_context(base_url=site.url)
    tab = context.new_page()
    yield tab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def other_page(browser: Browser, site: Stack) -> Iterator[Page]:
    """A second browser, with cookies of its own."""
    context = browser.new_context(base_url=site.url)
    yield context.new_page()
    context.close()
