"""Bluesky: the AT Protocol's OAuth (PAR, PKCE, DPoP) with the account's own server.

There is no app to register: our client id is a URL. In production it is
PUBLIC_URL/link/bluesky/client-metadata.json, a document this app serves; on a
development machine (PUBLIC_URL on http://127.0.0.1) it is the spec's loopback
client, `http://localhost?redirect_uri=…`. Either is a public client, so Bluesky
ends the sign-in two weeks after it was made, refreshes or not: the account
shows as expiring a week before, to be linked again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from config import Settings
from gateway.console.linking.grants import Granted, LinkRefused, server_address
from gateway.console.linking.session import Flow
from workers.platforms import bluesky_oauth
from workers.platforms.bluesky_oauth import AuthServer, OAuthProblem

PLATFORM = "bluesky"
DEFAULT_SERVER = "https://bsky.social"
APP_NAME = "smsbridge"
SESSION_DAYS = 14  # the longest an AT Protocol server keeps a public client's sign-in
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1"})


def redirect_uri(settings: Settings) -> str:
    """Our callback, derived from PUBLIC_URL."""
    return f"{settings.public_url}/link/callback/{PLATFORM}"


def not_offered_because(settings: Settings) -> str:
    """Why this gateway cannot sign in to Bluesky by OAuth, or "" when it can."""
    parts = urlsplit(settings.public_url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        return ""
    return (
        "Bluesky sign-in needs PUBLIC_URL on https (or on http://127.0.0.1 for development); "
        "use an app password meanwhile"
    )


def client_id(settings: Settings) -> str:
    """Our client id: the loopback form on a development machine, else our metadata's URL."""
    if urlsplit(settings.public_url).scheme == "http":
        query = urlencode({"redirect_uri": redirect_uri(settings), "scope": bluesky_oauth.SCOPE})
        return f"http://localhost?{query}"
    return f"{settings.public_url}/link/bluesky/client-metadata.json"


def client_metadata(settings: Settings) -> dict[str, Any]:
    """The client metadata document that our client id names, in production."""
    return {
        "client_id": client_id(settings),
        "client_name": APP_NAME,
        "client_uri": settings.public_url,
        "application_type": "web",
        "redirect_uris": [redirect_uri(settings)],
        "scope": bluesky_oauth.SCOPE,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        "dpop_bound_access_tokens": True,
    }


def server_url(typed: str, production: bool) -> str:
    """Return a Bluesky server's base URL from what was typed (empty: bsky.social)."""
    return server_address(typed.strip() or DEFAULT_SERVER, production, "Bluesky")


def new_dpop_key() -> dict[str, Any]:
    """The key this link's tokens will be bound to (kept sealed, with them)."""
    return bluesky_oauth.new_dpop_key()


def sign_in_server(server: str) -> AuthServer:
    """The sign-in server of a Bluesky server (a PDS, or an entryway such as bsky.social)."""
    with requests.Session() as http:
        try:
            return bluesky_oauth.discover(http, server)
        except OAuthProblem as exc:
            raise LinkRefused(f"{server} would not start a sign-in: {exc}") from exc


def authorize_url(
    settings: Settings,
    auth_server: AuthServer,
    flow: Flow,
    dpop_key: dict[str, Any],
    handle: str | None = "",
) -> str:
    """Push our request (PAR) to the sign-in server; return its consent page for the browser."""
    with requests.Session() as http:
        try:
            return bluesky_oauth.push_authorization(
                http,
                auth_server,
                client_id(settings),
                redirect_uri(settings),
                flow.state,
                flow.verifier,
                dpop_key,
                login_hint=(handle or "").strip().lstrip("@"),
            )
        except OAuthProblem as exc:
            raise LinkRefused(f"{auth_server.issuer} would not start a sign-in: {exc}") from exc


def exchange_code(
    settings: Settings, flow: Flow, returned_issuer: str, code: str, dpop_key: dict[str, Any]
) -> Granted:
    """Trade the code for DPoP-bound tokens, check whose they are; the connector's credentials."""
    # RFC 9207: the answer must come from the server we sent the person to.
    if returned_issuer != flow.server:
        raise LinkRefused("the answer came from another sign-in server than the one we asked")
    with requests.Session() as http:
        try:
            auth_server = bluesky_oauth.discover(http, flow.server)
            tokens = bluesky_oauth.exchange_code(
                http,
                auth_server,
                client_id(settings),
                redirect_uri(settings),
                code,
                flow.verifier,
                dpop_key,
            )
            service = bluesky_oauth.verify_identity(
                http, tokens.sub, auth_server.issuer, settings.bluesky_plc_url
            )
        except OAuthProblem as exc:
            raise LinkRefused(f"Bluesky did not give us a token: {exc}") from exc
    credentials = {
        "service": service,
        "did": tokens.sub,
        "client_id": client_id(settings),
        "token_endpoint": auth_server.token_endpoint,
        "dpop_key": dpop_key,
        "access_token": tokens.access_token,
        "refresh_token": tokens.refresh_token,
        "expires_at": tokens.expires_at,
    }
    return Granted(credentials, expires_at=datetime.now(UTC) + timedelta(days=SESSION_DAYS))
