"""`smsbridge staff …`: console sign-ins for admins and organisers.

Passwords never come from a flag (they would sit in the shell's history and the
process list): from SMSBRIDGE_STAFF_PASSWORD, or else a hidden prompt.
"""

from __future__ import annotations

import os

import click
from sqlalchemy import select

from gateway.cli.context import fail, runtime
from store import audit
from store.db import transaction
from store.models import Staff
from store.staff import ROLES, StaffError, add_staff, find_staff, set_password

PASSWORD_VARIABLE = "SMSBRIDGE_STAFF_PASSWORD"


def new_password() -> str:
    """Return the password from the environment, or ask for it twice without echoing it."""
    given = os.environ.get(PASSWORD_VARIABLE)
    if given:
        return given
    entered: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@click.group()
def staff() -> None:
    """Sign-ins to the web console (admins and organisers)."""


@staff.command("add")
@click.option("--email", required=True, help="Their email address: they sign in with it.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What they may open.")
def staff_add(email: str, role: str) -> None:
    """Add a sign-in; the password comes from SMSBRIDGE_STAFF_PASSWORD or a hidden prompt."""
    password = new_password()
    try:
        with transaction(runtime().sessions) as session:
            added = add_staff(session, email, role, password)
            audit.record(session, audit.CLI, "staff added", added.email, f"role {role}")
    except StaffError as exc:
        raise fail(str(exc)) from None
    click.echo(f"Added {added.email} as {role}. They sign in at /console/ with that password.")


@staff.command("password")
@click.option("--email", required=True, help="Whose password to set.")
def staff_password(email: str) -> None:
    """Set a sign-in's password (it is signed out everywhere)."""
    password = new_password()
    try:
        with transaction(runtime().sessions) as session:
            found = find_staff(session, email)
            if found is None:
                raise fail(f"no sign-in has the email {email.strip()}")
            set_password(found, password)
            audit.record(session, audit.CLI, "password reset", found.email)
    except StaffError as exc:
        raise fail(str(exc)) from None
    click.echo(f"{found.email} has a new password.")


@staff.command("list")
def staff_list() -> None:
    """List every sign-in with its role and whether it is switched on."""
    with runtime().sessions() as session:
        everyone = session.scalars(select(Staff).order_by(Staff.email)).all()
    if not everyone:
        click.echo("No sign-ins yet: add one with `smsbridge staff add`.")
    for member in everyone:
        click.echo(f"{member.email}  {member.role}  {'on' if member.active else 'off'}")


commands = [staff]
