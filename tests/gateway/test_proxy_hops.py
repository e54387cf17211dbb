"""PROXY_HOPS: behind nginx or Caddy the client's address comes from the proxy, not the socket."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from config import ConfigError, Settings, load_settings
from store.models import AuditEntry
from tests.gateway.console.conftest import SignIn, app_with, token
from workers.runtime import Runtime

# As nginx sends them; over https, Flask-WTF also wants the page's own Referer.
FORWARDED = {
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Proto": "https",
    "Referer": "https://localhost/console/sign-in",
}


def signed_in_from(settings: Settings, admin: SignIn, rt: Runtime, **changes: int) -> str:
    """Sign in with the proxy's headers set; return the address the audit log kept."""
    with app_with(settings, **changes) as app:  # type: ignore[arg-type]
        client = app.test_client()
        csrf = token(client.get("/console/sign-in", headers=FORWARDED))
        client.post(
            "/console/sign-in",
            data={"csrf_token": csrf, "email": admin.email, "password": admin.password},
            headers=FORWARDED,
        )
    with rt.sessions() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.action == "sign-in"
    return entry.address


def test_behind_one_proxy_the_clients_address_is_the_forwarded_one(
    settings: Settings, admin: SignIn, rt: Runtime
) -> None:
    assert signed_in_from(settings, admin, rt, proxy_hops=1) == "203.0.113.7"


def test_without_a_proxy_a_clients_forwarded_header_is_not_believed(
    settings: Settings, admin: SignIn, rt: Runtime
) -> None:
    assert signed_in_from(settings, admin, rt) == "127.0.0.1"


def test_proxy_hops_is_a_small_whole_number() -> None:
    assert load_settings({"PROXY_HOPS": "1"}).proxy_hops == 1
    with pytest.raises(ConfigError, match="PROXY_HOPS must be a whole number from 0 to 5"):
        load_settings({"PROXY_HOPS": "all"})
