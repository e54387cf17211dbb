"""Mastodon: any instance; our app registered once per instance, then OAuth's code flow.

The app is registered (`POST /api/v1/apps`) the first time someone links an
account there, and its client id and secret are kept (the secret encrypted) for
every later link to that instance. The scopes are what the gateway uses and no
more: posting and deleting (`write:statuses`), replies and mentions
(`read:notifications`), and, to learn whose token it is, `profile` (Mastodon 4.3+)
or, where the instance does not offer it, `read:accounts`.
"""

from __future__ import annotations

from typing import Any

from mastodon import Mastodon, MastodonError, MastodonNetworkError
from sqlalchemy.orm import Session

from config import Settings
from gateway.console.linking.grants import LinkRefused, server_address
from store.accounts import oauth_client
from store.models import OAuthClient
from store.secrets_box import SecretsBox

PLATFORM = "mastodon"
SCOPES = ["write:statuses", "read:notifications"]
TIMEOUT_SECONDS = 10
APP_NAME = "smsbridge"


def instance_url(typed: str, production: bool) -> str:
    """Return the instance's base URL from what was typed ('mastodon.social' will do)."""
    return server_address(typed, production, "Mastodon")


def redirect_uri(settings: Settings) -> str:
    """Where the instance sends the browser back: derived from PUBLIC_URL."""
    return f"{settings.public_url}/link/callback/{PLATFORM}"


def scopes_for(instance: str) -> list[str]:
    """Our scopes, with the narrowest one that reads whose token it is on this instance."""
    api = Mastodon(
        api_base_url=instance, version_check_mode="none", request_timeout=TIMEOUT_SECONDS
    )
    offered = api.oauth_authorization_server_info().get("scopes_supported") or []
    return [*SCOPES, "profile" if "profile" in offered else "read:accounts"]


def registered_client(
    db: Session, box: SecretsBox, settings: Settings, instance: str, scopes: list[str]
) -> tuple[str, str]:
    """Our client id and secret on the instance, registering the app the first time."""
    redirect = redirect_uri(settings)
    kept = oauth_client(db, PLATFORM, instance, redirect)
    if kept is not None:
        return kept.client_id, box.open(kept.client_secret)["secret"]
    client_id, client_secret = Mastodon.create_app(
        APP_NAME,
        scopes=scopes,
        redirect_uris=redirect,
        website=settings.public_url,
        api_base_url=instance,
        request_timeout=TIMEOUT_SECONDS,
    )
    db.add(
        OAuthClient(
            platform=PLATFORM,
            server=instance,
            redirect_uri=redirect,
            client_id=client_id,
            client_secret=box.seal({"secret": client_secret}),
        )
    )
    db.flush()
    return client_id, client_secret


def authorize_url(
    db: Session, box: SecretsBox, settings: Settings, instance: str, state: str
) -> str:
    """Where to send the browser to ask the instance's consent (registering us if new)."""
    try:
        scopes = scopes_for(instance)
        client_id, client_secret = registered_client(db, box, settings, instance, scopes)
        api = _client(instance, client_id, client_secret)
        return api.auth_request_url(
            redirect_uris=redirect_uri(settings),
            scopes=scopes,
            state=state,
            force_login=True,  # the browser may be signed in there as someone else
            allow_http=settings.env != "production",
        )
    except MastodonNetworkError as exc:
        raise LinkRefused(f"could not reach {instance}: check the server's address") from exc
    except MastodonError as exc:
        raise LinkRefused(f"{instance} did not let us register: {_reason(exc)}") from exc


def exchange_code(
    db: Session, box: SecretsBox, settings: Settings, instance: str, code: str
) -> dict[str, Any]:
    """Trade the code the instance sent back for a token; return the account's credentials."""
    kept = oauth_client(db, PLATFORM, instance, redirect_uri(settings))
    if kept is None:
        raise LinkRefused(f"we have no app registered at {instance}: start again")
    try:
        api = _client(instance, kept.client_id, box.open(kept.client_secret)["secret"])
        token = api.log_in(
            code=code,
            redirect_uri=redirect_uri(settings),
            scopes=scopes_for(instance),
            allow_http=settings.env != "production",
        )
    except MastodonNetworkError as exc:
        raise LinkRefused(f"could not reach {instance} to finish: try again") from exc
    except MastodonError as exc:
        raise LinkRefused(f"{instance} did not give us a token: {_reason(exc)}") from exc
    return {"instance": instance, "access_token": token}


def _client(instance: str, client_id: str, client_secret: str) -> Mastodon:
    """Mastodon.py for our app on the instance."""
    return Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=instance,
        version_check_mode="none",
        request_timeout=TIMEOUT_SECONDS,
    )


def _reason(exc: MastodonError) -> str:
    """The instance's own words for a refusal, where it gave some."""
    return str(exc.args[-1] if exc.args else exc)[:200]
