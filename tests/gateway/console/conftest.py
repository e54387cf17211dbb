"""Console fixtures: sign-ins of each role, and a browser-like client that signs in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from config import Settings
from gateway import create_app
from gateway.services import services
from store.db import transaction
from store.staff import add_staff
from workers.runtime import Runtime

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class SignIn:
    """A staff member's email and password, and their row id."""

    id: int
    email: str
    password: str


def make_staff(
    rt: Runtime, email: str, role: str, password: str = "correct horse battery"
) -> SignIn:
    """Add a sign-in straight to the database."""
    with transaction(rt.sessions) as session:
        staff = add_staff(session, email, role, password)
        return SignIn(staff.id, staff.email, password)


def token(page: TestResponse) -> str:
    """The CSRF token of the (first) form on a page."""
    found = TOKEN.search(page.get_data(as_text=True))
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def post_form(client: FlaskClient, page: str, action: str, **fields: str) -> TestResponse:
    """Open a page, then post one of its forms with the page's token, as a browser does."""
    csrf = token(client.get(page))
    return client.post(action, data={"csrf_token": csrf, **fields})


def sign_in(client: FlaskClient, who: SignIn, password: str | None = None) -> TestResponse:
    """Sign in through the form."""
    return post_form(
        client,
        "/console/sign-in",
        "/console/sign-in",
        email=who.email,
        password=who.password if password is None else password,
    )


@pytest.fixture
def app_client_pair(app: Flask) -> tuple[FlaskClient, FlaskClient]:
    """Two browsers on the same console, each with its own cookies."""
    return app.test_client(), app.test_client()


def answer_consent(authorize_url: str, decision: str, title: str = "") -> str:
    """Answer a platform's consent page (its hidden fields and a decision button, as the
    peers serve them); return the path and query of our callback it redirects to."""
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200 and title in page.text, page.text
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page.text))
    answer = requests.post(
        authorize_url.split("?")[0],
        data={**fields, "decision": decision},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


@contextmanager
def app_with(settings: Settings, **changes: str) -> Iterator[Flask]:
    """The app with some settings changed (a platform's app registered, say)."""
    app = create_app(replace(settings, **changes))
    try:
        yield app
    finally:
        services(app).close()
