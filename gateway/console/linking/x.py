"""X: OAuth 2.0's authorization code with PKCE, and `offline.access` for a refresh token.

Our app is registered by hand in X's developer portal (X_CLIENT_ID, and
X_CLIENT_SECRET for a confidential client), with the callback
PUBLIC_URL/link/callback/x. X rotates the refresh token on every refresh; the
connector stores each new one before using it (workers/platforms/x.py).
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError

from config import Settings
from gateway.console.linking.grants import Granted, LinkRefused
from gateway.console.linking.session import Flow

PLATFORM = "x"
PKCE = True  # the flow keeps a code verifier
AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
TOKEN_URL = "https://api.x.com/2/oauth2/token"
# Posting needs tweet.read and users.read beside tweet.write; offline.access gives
# the refresh token, without which the link would end in two hours.
SCOPES = "tweet.read tweet.write users.read offline.access"
TIMEOUT_SECONDS = 10


def offered(settings: Settings) -> bool:
    """Whether this gateway has an X app to link with."""
    return bool(settings.x_client_id)


def redirect_uri(settings: Settings) -> str:
    """Our callback, derived from PUBLIC_URL."""
    return f"{settings.public_url}/link/callback/{PLATFORM}"


def authorize_url(settings: Settings, flow: Flow) -> str:
    """X's consent page for our app, with the PKCE challenge of this flow's verifier."""
    url, _ = _session(settings).create_authorization_url(
        AUTHORIZE_URL, state=flow.state, code_verifier=flow.verifier
    )
    return str(url)


def exchange_code(settings: Settings, flow: Flow, code: str) -> Granted:
    """Trade the code (with the verifier) for tokens; the credentials the connector reads."""
    try:
        token: dict[str, Any] = _session(settings).fetch_token(
            TOKEN_URL,
            grant_type="authorization_code",
            code=code,
            code_verifier=flow.verifier,
            timeout=TIMEOUT_SECONDS,
        )
    except (OAuthError, requests.RequestException) as exc:
        raise LinkRefused(f"X did not give us a token: {exc}") from exc
    if not token.get("refresh_token"):
        raise LinkRefused("X gave no refresh token (the app needs offline.access): nothing linked")
    credentials = {
        "client_id": settings.x_client_id,
        "access_token": token["access_token"],
        "refresh_token": token["refresh_token"],
    }
    if settings.x_client_secret:
        credentials["client_secret"] = settings.x_client_secret
    return Granted(credentials)


def _session(settings: Settings) -> OAuth2Session:
    """Authlib's OAuth 2.0 client for our X app (Basic auth when it has a secret)."""
    return OAuth2Session(
        client_id=settings.x_client_id,
        client_secret=settings.x_client_secret or None,
        scope=SCOPES,
        redirect_uri=redirect_uri(settings),
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if settings.x_client_secret else "none",
    )
