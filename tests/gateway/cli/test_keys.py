"""smsbridge keygen and keys rotate: replacing TOKEN_KEY without a moment of unreadable rows."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from store.db import transaction
from store.models import Account, AuditEntry, OAuthClient
from store.secrets_box import SecretsBox
from tests.factories import add_person
from tests.gateway.cli.conftest import smsbridge
from workers.runtime import Runtime


@pytest.fixture
def new_key(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new key put first in TOKEN_KEY, the old one kept after it."""
    key = smsbridge("keygen").output.strip()
    monkeypatch.setenv("TOKEN_KEY", f"{key},{rt.settings.token_key}")
    return key


def sealed_rows(rt: Runtime) -> list[str]:
    """Every sealed column: accounts' credentials and OAuth clients' secrets."""
    with rt.sessions() as session:
        return [
            *session.scalars(select(Account.credentials).order_by(Account.id)),
            *session.scalars(select(OAuthClient.client_secret).order_by(OAuthClient.id)),
        ]


def test_rotate_reseals_every_credential_with_the_new_key(rt: Runtime, new_key: str) -> None:
    add_person(rt, accounts=[("local", "aroha", {"token": "a"}), ("local", "b", {"token": "b"})])
    with transaction(rt.sessions) as session:
        session.add(
            OAuthClient(
                platform="mastodon",
                server="https://mastodon.example",
                redirect_uri="https://gw.example/link/callback/mastodon",
                client_id="cid",
                client_secret=rt.secrets.seal({"secret": "s"}),
            )
        )

    result = smsbridge("keys", "rotate")

    assert result.exit_code == 0, result.output
    assert "Re-sealed 2 accounts, 1 OAuth clients" in result.output
    only_new = SecretsBox(new_key)
    assert [only_new.open(row) for row in sealed_rows(rt)] == [
        {"token": "a"},
        {"token": "b"},
        {"secret": "s"},
    ]
    with rt.sessions() as session:
        assert session.scalars(select(AuditEntry.action)).all() == ["token key rotated"]


def test_a_row_no_key_opens_stops_the_rotation_before_it_changes_anything(
    rt: Runtime, new_key: str
) -> None:
    add_person(rt, accounts=[("local", "aroha", {"token": "a"}), ("local", "b", {"token": "b"})])
    stranger = SecretsBox(Fernet.generate_key().decode()).seal({"token": "?"})
    with transaction(rt.sessions) as session:
        session.scalars(select(Account).where(Account.handle == "b")).one().credentials = stranger
    before = sealed_rows(rt)

    result = smsbridge("keys", "rotate")

    assert result.exit_code == 1
    assert "nothing was rotated: stored credentials cannot be decrypted" in result.output
    assert sealed_rows(rt) == before
