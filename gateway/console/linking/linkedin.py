"""LinkedIn: 3-legged OAuth for a member, to post as them (`w_member_social`).

Our app is registered by hand on LinkedIn's developer portal (LINKEDIN_CLIENT_ID,
LINKEDIN_CLIENT_SECRET) with the callback PUBLIC_URL/link/callback/linkedin and
the products "Share on LinkedIn" and "Sign In with LinkedIn using OpenID Connect".
A member token lasts 60 days and LinkedIn gives most apps no refresh token, so
its expiry is kept on the account and shown, and the account is linked again
before then.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError

from config import Settings
from gateway.console.linking.grants import Granted, LinkRefused
from gateway.console.linking.session import Flow
from store.models import utcnow

PLATFORM = "linkedin"
PKCE = False
DEFAULT_API_URL = "https://api.linkedin.com"  # the connector's own default
# Posting as the member, and (OpenID Connect) reading which member that is.
SCOPES = "openid profile w_member_social"
TIMEOUT_SECONDS = 10


def offered(settings: Settings) -> bool:
    """Whether this gateway has a LinkedIn app to link with."""
    return bool(settings.linkedin_client_id and settings.linkedin_client_secret)


def redirect_uri(settings: Settings) -> str:
    """Our callback, derived from PUBLIC_URL."""
    return f"{settings.public_url}/link/callback/{PLATFORM}"


def authorize_url(settings: Settings, flow: Flow) -> str:
    """LinkedIn's consent page for our app."""
    url, _ = _session(settings).create_authorization_url(
        f"{settings.linkedin_oauth_url}/authorization", state=flow.state
    )
    return str(url)


def exchange_code(settings: Settings, flow: Flow, code: str) -> Granted:
    """Trade the code for the member's token; keep when it stops working."""
    try:
        token: dict[str, Any] = _session(settings).fetch_token(
            f"{settings.linkedin_oauth_url}/accessToken",
            grant_type="authorization_code",
            code=code,
            timeout=TIMEOUT_SECONDS,
        )
    except (OAuthError, requests.RequestException) as exc:
        raise LinkRefused(f"LinkedIn did not give us a token: {exc}") from exc
    credentials: dict[str, Any] = {"access_token": token["access_token"]}
    if settings.linkedin_api_url != DEFAULT_API_URL:
        credentials["api_base"] = settings.linkedin_api_url
    expires_in = int(token.get("expires_in") or 0)
    expires_at = utcnow() + timedelta(seconds=expires_in) if expires_in else None
    return Granted(credentials, expires_at=expires_at)


def _session(settings: Settings) -> OAuth2Session:
    """Authlib's client for our LinkedIn app (LinkedIn takes the secret in the form)."""
    return OAuth2Session(
        client_id=settings.linkedin_client_id,
        client_secret=settings.linkedin_client_secret,
        scope=SCOPES,
        redirect_uri=redirect_uri(settings),
        token_endpoint_auth_method="client_secret_post",
    )
