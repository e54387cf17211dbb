"""Facebook Pages: Facebook Login, a long-lived user token, then the chosen Page's token.

Our app is registered by hand on Meta's developer site (FACEBOOK_APP_ID,
FACEBOOK_APP_SECRET) with the callback PUBLIC_URL/link/callback/facebook. The code
is traded for a short-lived user token, that for a long-lived one
(`fb_exchange_token`), and `/me/accounts` lists the Pages it manages with their own
tokens: a Page token from a long-lived user token does not expire. Only the Page
token is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError

from config import Settings
from gateway.console.linking.grants import Granted, LinkRefused
from gateway.console.linking.session import Flow

PLATFORM = "facebook"
PKCE = False
DEFAULT_API_BASE = "https://graph.facebook.com"  # the connector's own default
# Listing the Pages, posting on them, and reading the comments their posts get.
SCOPES = "pages_show_list,pages_manage_posts,pages_read_engagement,pages_read_user_content"
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Page:
    """A Page the person manages, with its own token."""

    id: str
    name: str
    token: str


class ChoosePage(Exception):
    """The person manages several Pages: they choose which one."""

    def __init__(self, pages: list[Page]) -> None:
        super().__init__(f"{len(pages)} Pages to choose from")
        self.pages = pages


def offered(settings: Settings) -> bool:
    """Whether this gateway has a Facebook app to link with."""
    return bool(settings.facebook_app_id and settings.facebook_app_secret)


def redirect_uri(settings: Settings) -> str:
    """Our callback, derived from PUBLIC_URL."""
    return f"{settings.public_url}/link/callback/{PLATFORM}"


def authorize_url(settings: Settings, flow: Flow) -> str:
    """Facebook Login's dialog for our app."""
    query = {
        "client_id": settings.facebook_app_id,
        "redirect_uri": redirect_uri(settings),
        "state": flow.state,
        "response_type": "code",
        "scope": SCOPES,
    }
    return f"{settings.facebook_dialog_url}?{urlencode(query)}"


def exchange_code(settings: Settings, flow: Flow, code: str) -> Granted:
    """Trade the code for a long-lived user token; return the Page it manages.

    Raises ChoosePage when it manages several, LinkRefused when none or on refusal.
    """
    graph = settings.facebook_graph_url
    try:
        short: dict[str, Any] = OAuth2Session(
            client_id=settings.facebook_app_id,
            client_secret=settings.facebook_app_secret,
            redirect_uri=redirect_uri(settings),
            token_endpoint_auth_method="client_secret_post",
        ).fetch_token(
            f"{graph}/oauth/access_token",
            grant_type="authorization_code",
            code=code,
            timeout=TIMEOUT_SECONDS,
        )
        long_lived = _graph(
            "POST",
            f"{graph}/oauth/access_token",
            data={
                "grant_type": "fb_exchange_token",
                "client_id": settings.facebook_app_id,
                "client_secret": settings.facebook_app_secret,
                "fb_exchange_token": short["access_token"],
            },
        )["access_token"]
        listed = _graph(
            "GET",
            f"{graph}/me/accounts",
            params={"fields": "id,name,access_token,tasks"},
            headers={"Authorization": f"Bearer {long_lived}"},
        )
    except (OAuthError, requests.RequestException, KeyError) as exc:
        raise LinkRefused(f"Facebook did not give us a token: {exc}") from exc
    pages = [
        Page(str(page["id"]), str(page.get("name") or page["id"]), str(page["access_token"]))
        for page in listed.get("data", [])
        if "CREATE_CONTENT" in page.get("tasks", ["CREATE_CONTENT"])
    ]
    if not pages:
        raise LinkRefused("this Facebook account manages no Page it may post on")
    if len(pages) > 1:
        raise ChoosePage(pages)
    return page_granted(settings, pages[0])


def page_granted(settings: Settings, page: Page) -> Granted:
    """The credentials the connector reads for one Page."""
    credentials: dict[str, Any] = {"page_id": page.id, "access_token": page.token}
    parts = urlsplit(settings.facebook_graph_url)
    api_base = f"{parts.scheme}://{parts.netloc}"
    if api_base != DEFAULT_API_BASE:
        credentials["api_base"] = api_base
    return Granted(credentials, handle=page.name)


def _graph(method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    """One Graph call; its JSON, or LinkRefused in Graph's own words."""
    response = requests.request(method, url, timeout=TIMEOUT_SECONDS, **kwargs)
    body: dict[str, Any] = response.json() if response.content else {}
    if response.status_code != 200:
        message = body.get("error", {}).get("message") if isinstance(body, dict) else None
        raise LinkRefused(f"Facebook refused: {message or f'HTTP {response.status_code}'}")
    return body
