"""Linked accounts: store one, or mend one that needed linking again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Account, OAuthClient


def link_account(
    session: Session,
    person_id: int,
    platform: str,
    handle: str,
    sealed: str,
    expires_at: datetime | None = None,
) -> tuple[Account, bool]:
    """Store an account's encrypted credentials; return it and whether it is new.

    Linking the same account again is how one that needs re-linking is mended:
    new credentials, back in use from the next text.
    """
    account = session.scalars(
        select(Account).where(
            Account.person_id == person_id, Account.platform == platform, Account.handle == handle
        )
    ).one_or_none()
    new = account is None
    if account is None:
        account = Account(person_id=person_id, platform=platform, handle=handle)
        session.add(account)
    account.credentials = sealed
    account.status = "active"
    account.token_expires_at = expires_at
    session.flush()
    return account, new


def oauth_client(
    session: Session, platform: str, server: str, redirect_uri: str
) -> OAuthClient | None:
    """Our registration with an OAuth server for this redirect address, if we made one."""
    return session.scalars(
        select(OAuthClient).where(
            OAuthClient.platform == platform,
            OAuthClient.server == server,
            OAuthClient.redirect_uri == redirect_uri,
        )
    ).one_or_none()
