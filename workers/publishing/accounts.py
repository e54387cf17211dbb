"""A stored account as a connector sees it: credentials opened, and kept current."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from store.db import transaction, update_rows
from store.models import Account
from workers.platforms import Connector, LinkedAccount, build_connector
from workers.runtime import Runtime


@dataclass(frozen=True)
class AccountRef:
    """What a job read of an account row, to build its connector outside the transaction."""

    id: int
    platform: str
    handle: str
    sealed: str  # the credentials, encrypted

    @classmethod
    def of(cls, account: Account) -> AccountRef:
        """Copy what is needed from a loaded row."""
        return cls(account.id, account.platform, account.handle, account.credentials)


def connector_for(rt: Runtime, account: AccountRef) -> Connector:
    """Build the account's connector.

    Credentials this process cannot open raise CredentialsUnreadable: a wrong
    TOKEN_KEY is the installation's fault, not the account's, so nothing is marked
    for linking again; the job fails and its work waits for a rightly set worker.
    """
    credentials = rt.secrets.open(account.sealed)
    linked = LinkedAccount(
        account.id, account.handle, credentials, saver(rt, account.id), loader(rt, account.id)
    )
    return build_connector(account.platform, linked, rt.connectors)


def check_token_key(rt: Runtime) -> None:
    """Raise CredentialsUnreadable unless TOKEN_KEY opens the stored credentials (a sample)."""
    with rt.sessions() as session:
        sealed = session.scalars(
            select(Account.credentials).where(Account.credentials != "").limit(1)
        ).first()
    if sealed is not None:
        rt.secrets.open(sealed)


def saver(rt: Runtime, account_id: int) -> Callable[[dict[str, Any]], None]:
    """Return a function that stores an account's new credentials, encrypted, at once."""

    def save(credentials: dict[str, Any]) -> None:
        with transaction(rt.sessions) as session:
            session.execute(
                update(Account)
                .where(Account.id == account_id)
                .values(credentials=rt.secrets.seal(credentials))
            )

    return save


def loader(rt: Runtime, account_id: int) -> Callable[[], dict[str, Any]]:
    """Return a function that reads an account's credentials as stored now."""

    def load() -> dict[str, Any]:
        with rt.sessions() as session:
            sealed = session.scalars(
                select(Account.credentials).where(Account.id == account_id)
            ).one()
        return rt.secrets.open(sealed)

    return load


def mark_needs_relink(session: Session, account_id: int) -> bool:
    """Flag an active account as needing linking again; return whether this call flagged it.

    Conditional, so of all the jobs that find the same dead token only one is first,
    and its person is told once.
    """
    return bool(
        update_rows(
            session,
            update(Account)
            .where(Account.id == account_id, Account.status == "active")
            .values(status="needs_relink"),
        )
    )
