"""`smsbridge users …` and `smsbridge accounts …`: people, phones and linked accounts."""

from __future__ import annotations

import os
from collections.abc import Callable

import click
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.cli.context import fail, runtime, settings
from store import audit
from store.db import transaction
from store.follows import end_follows
from store.models import Account, HeldPost, Person, utcnow
from store.opt_outs import is_opted_out
from store.phones import InvalidPhone, normalise_phone
from workers.dispatch import dispatch
from workers.publishing.linking import (
    LinkError,
    check_account,
    credentials_from_options,
    secret_variable,
    secrets_needed,
)
from workers.texts_in.confirming import code_voided, send_code
from workers.texts_out import replies
from workers.texts_out.texts import queue_text


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


def change_person(phone: str, change: Callable[[Person], None], action: str) -> str:
    """Change the person with this phone in one transaction, audited; return the number."""
    number = phone_option(phone)
    with transaction(runtime().sessions) as session:
        change(person_by_phone(session, number))
        audit.record(session, audit.CLI, action, number)
    return number


def unlock(person: Person) -> None:
    """Let a person post again after too many wrong PINs."""
    person.posting_locked_at = person.posting_paused_until = None
    person.pin_failures, person.pin_pauses = 0, 0


@click.group()
def users() -> None:
    """Register people and their phone numbers."""


@users.command("add")
@click.option("--phone", required=True, help="Their mobile number; national or +international.")
@click.option("--name", required=True, help="Their name, as the admin knows them.")
def users_add(phone: str, name: str) -> None:
    """Register a person by phone number and text it a code to confirm it is theirs."""
    number = phone_option(phone)
    rt = runtime()
    try:
        with transaction(rt.sessions) as session:
            person = Person(phone=number, name=name.strip())
            session.add(person)
            session.flush()
            text = send_code(session, person, utcnow())
            audit.record(session, audit.CLI, "person added", number, name.strip())
    except IntegrityError:
        raise fail(f"the phone {number} is already registered") from None
    dispatch(rt, texts=[text.id])
    click.echo(
        f"Added {name.strip()} ({number}). A code was texted to the phone: "
        "it can post once the code is texted back."
    )


@users.command("hand-over")
@click.option("--phone", required=True, help="The number that changes hands.")
@click.option("--name", required=True, help="The new person's name.")
def users_hand_over(phone: str, name: str) -> None:
    """Give a phone number to a new person: the old one keeps their posts, not the number."""
    number = phone_option(phone)
    rt = runtime()
    now = utcnow()
    with transaction(rt.sessions) as session:
        old = person_by_phone(session, number)
        # The old person's history stays theirs (posts, accounts, audit); only the
        # number moves. Nothing they left waiting may go out in the new person's name.
        old.phone, old.active, old.current_event_id = f"retired-{old.id}", False, None
        session.execute(
            update(HeldPost)
            .where(HeldPost.person_id == old.id, HeldPost.status == "held")
            .values(status="dropped", decided_at=now)
        )
        ended = end_follows(session, number, "handed over", now)
        session.flush()
        new = Person(phone=number, name=name.strip())
        session.add(new)
        session.flush()
        text = send_code(session, new, now)
        audit.record(
            session, audit.CLI, "phone handed over", number, f"{old.name} to {name.strip()}"
        )
        opted_out = is_opted_out(session, number)
    dispatch(rt, texts=[text.id])
    click.echo(
        f"{number} is now {name.strip()}'s: a code was texted to it. {old.name} keeps their "
        f"posts and accounts, switched off ({old.phone}); {ended} follow(s) of the number ended."
    )
    if opted_out:
        click.echo(f"{number} had texted STOP: nothing reaches it until it texts START.")


@users.command("send-code")
@click.option("--phone", required=True)
def users_send_code(phone: str) -> None:
    """Text a person a new confirmation code (the old one stops working)."""
    number = phone_option(phone)
    rt = runtime()
    with transaction(rt.sessions) as session:
        person = person_by_phone(session, number)
        if person.phone_confirmed_at is not None:
            raise fail(f"{number} is already confirmed")
        text = send_code(session, person, utcnow())
        audit.record(session, audit.CLI, "code sent", number)
    dispatch(rt, texts=[text.id])
    click.echo(f"A new code was texted to {number}.")


@users.command("list")
def users_list() -> None:
    """List everyone registered, with their accounts."""
    with runtime().sessions() as session:
        people = session.scalars(select(Person).order_by(Person.id)).all()
        if not people:
            click.echo("No one is registered yet.")
        for person in people:
            state = "active" if person.active else "DISABLED"
            if person.phone_confirmed_at is None:
                state += ", unconfirmed"
                if code_voided(person):
                    state += " (code void after wrong tries: smsbridge users send-code)"
            accounts = ", ".join(f"{a.platform}:{a.handle}" for a in person.accounts) or "none"
            click.echo(f"{person.phone}  {person.name}  [{state}]  accounts: {accounts}")


@users.command("disable")
@click.option("--phone", required=True)
def users_disable(phone: str) -> None:
    """Switch a phone off: nothing it texts is posted from the next text on."""
    number = change_person(
        phone, lambda person: setattr(person, "active", False), "phone switched off"
    )
    click.echo(f"Disabled {number}: from its next text on, nothing it texts is posted.")


@users.command("unlock")
@click.option("--phone", required=True)
def users_unlock(phone: str) -> None:
    """Let a phone post again after too many wrong PINs."""
    number = change_person(phone, unlock, "phone unlocked")
    click.echo(f"Unlocked {number}: it can post again with its PIN.")


@users.command("check")
@click.option("--phone", required=True)
@click.option("--on/--off", "on", required=True, help="Check posts for client details, or not.")
def users_check(phone: str, on: bool) -> None:
    """Turn one person's confidentiality check on or off; they are told by text."""
    number = phone_option(phone)
    rt = runtime()
    with transaction(rt.sessions) as session:
        person = person_by_phone(session, number)
        person.check_confidentiality = on
        # Never checked (or not) behind their back: held posts would surprise them.
        words = replies.CHECK_ON if on else replies.CHECK_OFF
        text = queue_text(session, number, words, kind="notice")
        audit.record(session, audit.CLI, f"check turned {'on' if on else 'off'}", number)
    dispatch(rt, texts=[text.id])
    click.echo(f"The check is {'on' if on else 'off'} for {number}; they were told by text.")


@users.command("enable")
@click.option("--phone", required=True)
def users_enable(phone: str) -> None:
    """Switch a phone back on."""
    number = change_person(
        phone, lambda person: setattr(person, "active", True), "phone switched on"
    )
    click.echo(f"Enabled {number}: its texts are posted again.")


PLATFORMS = ["local", "mastodon", "bluesky", "x", "facebook", "linkedin"]


def read_secret(name: str) -> str:
    """A secret from SMSBRIDGE_<NAME>, else typed at a prompt that does not echo it."""
    variable = secret_variable(name)
    found = os.environ.get(variable, "").strip()
    if found:
        return found
    label = name.replace("_", " ").capitalize()
    typed: str = click.prompt(
        f"{label} (or set {variable})", hide_input=True, default="", show_default=False
    )
    return typed.strip()


@click.group()
def accounts() -> None:
    """Link people's social accounts."""


@accounts.command("add")
@click.option("--phone", required=True, help="The person's phone number.")
@click.option("--platform", required=True, type=click.Choice(PLATFORMS))
@click.option("--handle", help="local: the handle to show; bluesky: the account's handle.")
@click.option("--instance", help="mastodon: the instance URL, e.g. https://mastodon.social")
@click.option("--service", help="bluesky: the PDS URL (default https://bsky.social).")
@click.option("--client-id", help="x, OAuth 2.0: the app's client id.")
@click.option("--consumer-key", help="x, OAuth 1.0a: the API key.")
@click.option("--page-id", help="facebook: the Page's id.")
@click.option("--author", help="linkedin: the author URN (default: the token's member).")
def accounts_add(phone: str, platform: str, **options: str | None) -> None:
    """Link an account; its credentials are checked with the platform, then stored encrypted.

    Tokens and passwords are never flags: each is read from SMSBRIDGE_<NAME> (e.g.
    SMSBRIDGE_TOKEN, SMSBRIDGE_APP_PASSWORD) or asked for, without echo.
    """
    number = phone_option(phone)
    rt = runtime()
    for name in secrets_needed(platform, options):
        options[name] = read_secret(name)
    if platform == "x" and not options.get("consumer_key"):
        options["client_secret"] = os.environ.get(secret_variable("client_secret"))
    try:
        credentials = credentials_from_options(platform, options)
        linked = check_account(platform, options.get("handle") or "", credentials, rt.connectors)
    except LinkError as exc:
        raise fail(str(exc)) from exc
    sealed = rt.secrets.seal(linked.credentials)
    try:
        with transaction(rt.sessions) as session:
            person = person_by_phone(session, number)
            existing = session.scalars(
                select(Account).where(
                    Account.person_id == person.id,
                    Account.platform == platform,
                    Account.handle == linked.handle,
                )
            ).one_or_none()
            if existing is None:
                session.add(
                    Account(
                        person_id=person.id,
                        platform=platform,
                        handle=linked.handle,
                        credentials=sealed,
                    )
                )
            else:
                # Linking the same account again is how an admin mends one that needs
                # re-linking: new credentials, back in use from the next text.
                existing.credentials = sealed
                existing.status = "active"
            audit.record(
                session, audit.CLI, "account linked", number, f"{platform} @{linked.handle}"
            )
    except IntegrityError:
        raise fail(f"{number} already has the {platform} account @{linked.handle}") from None
    verb = "Linked" if existing is None else "Linked again"
    click.echo(f"{verb} {platform} @{linked.handle} to {number}.")


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
