"""`smsbridge keygen` and `smsbridge keys rotate`: TOKEN_KEY, which seals every credential."""

from __future__ import annotations

import click
from cryptography.fernet import Fernet
from sqlalchemy import select

from gateway.cli.context import fail, runtime
from store import audit
from store.db import transaction
from store.models import Account, OAuthClient
from store.secrets_box import CredentialsUnreadable


@click.command()
def keygen() -> None:
    """Print a new TOKEN_KEY for production."""
    click.echo(Fernet.generate_key().decode())


@click.group()
def keys() -> None:
    """Replace TOKEN_KEY: put the new key first (TOKEN_KEY=new,old), then rotate."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-seal every stored credential with TOKEN_KEY's first key, all or nothing."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        accounts = session.scalars(select(Account).where(Account.credentials != "")).all()
        clients = session.scalars(select(OAuthClient)).all()
        try:
            for account in accounts:
                account.credentials = rt.secrets.reseal(account.credentials)
            for client in clients:
                client.client_secret = rt.secrets.reseal(client.client_secret)
        except CredentialsUnreadable as exc:
            # The transaction rolls back: nothing is half rotated.
            raise fail(f"nothing was rotated: {exc}") from exc
        detail = f"{len(accounts)} accounts, {len(clients)} OAuth clients"
        audit.record(session, audit.CLI, "token key rotated", "", detail)
    click.echo(
        f"Re-sealed {detail} with the newest key. Once every process runs with it, "
        "TOKEN_KEY can drop the old one."
    )


commands = [keygen, keys]
