"""`smsbridge users …` and `smsbridge accounts …`: people, phones and linked accounts."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.cli.context import fail, runtime, settings
from gateway.db import transaction
from gateway.models import Account, Person
from gateway.phones import InvalidPhone, normalise_phone
from workers.platforms import LinkedAccount
from workers.platforms.bluesky import DEFAULT_SERVICE, BlueskyConnector
from workers.platforms.errors import PlatformError
from workers.platforms.mastodon import MastodonConnector


def phone_option(value: str) -> str:
    """Normalise a phone given on the command line, or fail with one clear line."""
    try:
        return normalise_phone(value, settings().default_region)
    except InvalidPhone as exc:
        raise fail(str(exc)) from exc


def person_by_phone(session: Session, phone: str) -> Person:
    """Return the person with this phone, or fail naming it."""
    person = session.scalar(select(Person).where(Person.phone == phone))
    if person is None:
        raise fail(f"no person has the phone {phone} (add them with: smsbridge users add)")
    return person


@click.group()
def users() -> None:
    """Register people and their phone numbers."""


@users.command("add")
@click.option("--phone", required=True, help="Their mobile number; national or +international.")
@click.option("--name", required=True, help="Their name, as the admin knows them.")
def users_add(phone: str, name: str) -> None:
    """Register a person by phone number."""
    number = phone_option(phone)
    try:
        with transaction(runtime().sessions) as session:
            session.add(Person(phone=number, name=name.strip()))
    except IntegrityError:
        raise fail(f"the phone {number} is already registered") from None
    click.echo(f"Added {name.strip()} ({number}).")


@users.command("list")
def users_list() -> None:
    """List everyone registered, with their accounts."""
    with runtime().sessions() as session:
        people = session.scalars(select(Person).order_by(Person.id)).all()
        if not people:
            click.echo("No one is registered yet.")
        for person in people:
            state = "active" if person.active else "DISABLED"
            accounts = ", ".join(f"{a.platform}:{a.handle}" for a in person.accounts) or "none"
            click.echo(f"{person.phone}  {person.name}  [{state}]  accounts: {accounts}")


@users.command("disable")
@click.option("--phone", required=True)
def users_disable(phone: str) -> None:
    """Switch a phone off: nothing it texts is posted from the next text on."""
    number = phone_option(phone)
    with transaction(runtime().sessions) as session:
        person = person_by_phone(session, number)
        person.active = False
    click.echo(f"Disabled {number}: its texts will not be posted.")


@click.group()
def accounts() -> None:
    """Link people's social accounts."""


@accounts.command("add")
@click.option("--phone", required=True, help="The person's phone number.")
@click.option("--platform", required=True, type=click.Choice(["local", "mastodon", "bluesky"]))
@click.option("--handle", help="local: the handle to show; bluesky: the account's handle.")
@click.option("--instance", help="Mastodon: the instance URL, e.g. https://mastodon.social")
@click.option("--token", help="Mastodon: an access token with write:statuses.")
@click.option("--app-password", help="Bluesky: an app password (Settings, App passwords).")
@click.option("--service", help="Bluesky: the PDS URL (default https://bsky.social).")
def accounts_add(
    phone: str,
    platform: str,
    handle: str | None,
    instance: str | None,
    token: str | None,
    app_password: str | None,
    service: str | None,
) -> None:
    """Link an account; its credentials are checked, then stored encrypted."""
    number = phone_option(phone)
    credentials: dict[str, Any] = {}
    if platform == "bluesky":
        if not handle or not app_password:
            raise fail("--platform bluesky needs --handle HANDLE and --app-password PASSWORD")
        credentials = {
            "service": (service or DEFAULT_SERVICE).rstrip("/"),
            "identifier": handle.lstrip("@"),
            "app_password": app_password,
        }
        # Logging in once here checks the password; the session it makes is kept too.
        checked = LinkedAccount(0, handle, credentials, save_credentials=credentials.update)
        try:
            handle = BlueskyConnector(checked).whoami()
        except PlatformError as exc:
            raise fail(f"Bluesky refused these credentials: {exc.message}") from exc
    elif platform == "mastodon":
        if not instance or not token:
            raise fail("--platform mastodon needs --instance URL and --token TOKEN")
        try:
            handle = MastodonConnector(instance, token, runtime().connectors.http).whoami()
        except PlatformError as exc:
            raise fail(f"Mastodon refused these credentials: {exc.message}") from exc
        credentials = {"instance": instance.rstrip("/"), "access_token": token}
    elif not handle:
        raise fail("--platform local needs --handle NAME")
    assert handle is not None
    handle = handle.lstrip("@")
    rt = runtime()
    try:
        with transaction(rt.sessions) as session:
            person = person_by_phone(session, number)
            session.add(
                Account(
                    person_id=person.id,
                    platform=platform,
                    handle=handle,
                    credentials=rt.secrets.seal(credentials),
                )
            )
    except IntegrityError:
        raise fail(f"{number} already has the {platform} account @{handle}") from None
    click.echo(f"Linked {platform} @{handle} to {number}.")


@accounts.command("list")
def accounts_list() -> None:
    """List linked accounts (never their credentials)."""
    with runtime().sessions() as session:
        rows = session.scalars(select(Account).order_by(Account.id)).all()
        if not rows:
            click.echo("No accounts are linked yet.")
        for account in rows:
            click.echo(
                f"{account.person.phone}  {account.platform}  @{account.handle}  [{account.status}]"
            )


commands = [users, accounts]
