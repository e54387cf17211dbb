"""Accounts as connectors see them: credentials opened, stored again encrypted, re-read."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from store.db import transaction
from store.models import Account
from store.secrets_box import SecretsBox
from tests.factories import add_person
from workers.platforms.errors import AuthError
from workers.publishing.accounts import AccountRef, connector_for, loader, saver
from workers.runtime import Runtime


def the_account(rt: Runtime) -> Account:
    """The one account in the database."""
    with rt.sessions() as session:
        account = session.scalars(select(Account)).one()
        session.expunge(account)
        return account


def test_connectors_save_and_reread_credentials_through_the_database(rt: Runtime) -> None:
    add_person(rt, accounts=[("local", "aroha", {"token": "old"})])
    account_id = the_account(rt).id

    saver(rt, account_id)({"token": "new"})

    assert loader(rt, account_id)() == {"token": "new"}
    assert "new" not in the_account(rt).credentials  # encrypted


def test_a_connector_is_built_from_the_stored_account(rt: Runtime) -> None:
    add_person(rt, accounts=[("local", "aroha", {})])

    connector = connector_for(rt, AccountRef.of(the_account(rt)))

    assert connector.whoami() == "aroha"


def test_credentials_sealed_with_another_key_are_an_auth_error(rt: Runtime) -> None:
    add_person(rt, accounts=[("local", "aroha", {})])
    other_key = SecretsBox(Fernet.generate_key().decode())
    with transaction(rt.sessions) as session:
        session.scalars(select(Account)).one().credentials = other_key.seal({"token": "x"})

    with pytest.raises(AuthError, match="credentials unreadable"):
        connector_for(rt, AccountRef.of(the_account(rt)))
