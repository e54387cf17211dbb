"""Accounts as connectors see them: credentials opened, stored again encrypted, re-read."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from store.db import transaction
from store.models import Account, Delivery
from store.secrets_box import CredentialsUnreadable, SecretsBox
from tests.factories import add_person, add_post
from workers.publishing.accounts import (
    AccountRef,
    check_token_key,
    connector_for,
    loader,
    mark_needs_relink,
    saver,
)
from workers.publishing.deliveries import publish
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


def test_credentials_sealed_with_another_key_are_a_setting_to_fix_not_an_account_to_relink(
    rt: Runtime,
) -> None:
    add_person(rt, accounts=[("local", "aroha", {})])
    other_key = SecretsBox(Fernet.generate_key().decode())
    with transaction(rt.sessions) as session:
        session.scalars(select(Account)).one().credentials = other_key.seal({"token": "x"})
    [delivery] = add_post(rt, "Kia ora")

    with pytest.raises(CredentialsUnreadable, match="wrong key"):
        publish(rt, delivery)

    with rt.sessions() as session:
        assert session.scalars(select(Account.status)).one() == "active"
        assert not session.get_one(Delivery, delivery).ended  # it waits: nothing is lost
    with pytest.raises(CredentialsUnreadable):
        check_token_key(rt)


def test_of_jobs_finding_one_dead_token_at_once_one_flags_it(rt: Runtime) -> None:
    """So its person is told once; threads at a barrier, on PostgreSQL in CI's second pass."""
    add_person(rt)
    with rt.sessions() as session:
        account = session.scalars(select(Account.id)).one()
    jobs = 6
    together = threading.Barrier(jobs)

    def flag(_: int) -> bool:
        together.wait(timeout=30)
        with transaction(rt.sessions) as session:
            return mark_needs_relink(session, account)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        flagged = list(pool.map(flag, range(jobs)))

    assert sorted(flagged) == [False] * (jobs - 1) + [True]
