"""`smsbridge db backup` and `smsbridge db restore`: the whole database to one file, and back.

PostgreSQL through pg_dump and pg_restore (custom format), given the connection in
PG* variables, never on their command line (a password there is seen by anyone
on the machine who lists processes); SQLite through its online backup, safe while
the server and workers run. Redis needs no backup: the sweeper re-enqueues from
the database whatever a lost queue held.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import click
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.engine import URL, make_url

from gateway.cli.context import fail, runtime, settings
from store.migrate import upgrade
from store.models import Account
from store.secrets_box import CredentialsUnreadable

KEEP_WITH_IT = (
    "Keep TOKEN_KEY (every key in it) with the backup, somewhere else: without it the "
    "linked accounts' credentials in it cannot be read."
)


def pg_environment(url: URL) -> dict[str, str]:
    """The PG* variables pg_dump and pg_restore connect with: the URL's parts."""
    parts = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password if isinstance(url.password, str) else None,
        "PGDATABASE": url.database,
    }
    return {**os.environ, **{key: value for key, value in parts.items() if value}}


def sqlite_path(url: URL) -> Path:
    """The file of a SQLite database URL."""
    if not url.database or url.database == ":memory:":
        raise fail("this SQLite database is in memory: there is nothing to back up")
    return Path(url.database)


def run_tool(command: list[str], url: URL) -> None:
    """Run pg_dump or pg_restore against the URL's database; fail with its own words."""
    try:
        done = subprocess.run(
            command, env=pg_environment(url), capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise fail(
            f"{command[0]} is not installed (Debian: apt install postgresql-client)"
        ) from None
    if done.returncode != 0:
        raise fail(f"{command[0]} failed: {done.stderr.strip() or done.returncode}")


@click.command("backup")
@click.option("--to", "target", required=True, type=click.Path(dir_okay=False, path_type=Path))
def db_backup(target: Path) -> None:
    """Copy the whole database to one file (safe while everything runs)."""
    url = make_url(settings().database_url)
    if target.exists():
        raise fail(f"{target} exists already: name a new file")
    if url.get_backend_name() == "sqlite":
        with (
            closing(sqlite3.connect(sqlite_path(url))) as live,
            closing(sqlite3.connect(target)) as copy,
        ):
            live.backup(copy)
    elif url.get_backend_name() == "postgresql":
        run_tool(["pg_dump", "--format=custom", "--no-owner", f"--file={target}"], url)
    else:
        raise fail(f"no backup for {url.get_backend_name()} databases")
    target.chmod(0o600)  # it holds every text kept and the sealed credentials
    click.echo(f"Backed up to {target} ({target.stat().st_size:,} bytes).")
    click.echo(KEEP_WITH_IT)


@click.command("restore")
@click.option(
    "--from", "source", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--replace", is_flag=True, help="Replace a database that already has tables.")
def db_restore(source: Path, replace: bool) -> None:
    """Put a backup in place of the database, bring it to the code's migrations, check TOKEN_KEY."""
    database_url = settings().database_url
    url = make_url(database_url)
    engine = create_engine(url)
    try:
        has_tables = bool(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    if has_tables and not replace:
        raise fail(
            f"{url.render_as_string(hide_password=True)} has tables already: stop the server and "
            "workers, then add --replace to overwrite it"
        )
    if url.get_backend_name() == "sqlite":
        with (
            closing(sqlite3.connect(source)) as backup,
            closing(sqlite3.connect(sqlite_path(url))) as live,
        ):
            backup.backup(live)
    elif url.get_backend_name() == "postgresql":
        run_tool(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={url.database}",
             str(source)],
            url,
        )  # fmt: skip
    else:
        raise fail(f"no restore for {url.get_backend_name()} databases")
    upgrade(database_url)  # a backup from older code gains the newer migrations
    click.echo(f"Restored {source} into {url.render_as_string(hide_password=True)}.")
    check_credentials_open()


def check_credentials_open() -> None:
    """Say whether TOKEN_KEY opens the restored accounts' credentials (and fail if it does not)."""
    rt = runtime()
    with rt.sessions() as session:
        sealed = session.scalars(select(Account.credentials).where(Account.credentials != "")).all()
    try:
        for one in sealed:
            rt.secrets.open(one)
    except CredentialsUnreadable as exc:
        raise fail(
            f"the backup's credentials do not open with this TOKEN_KEY ({exc}): set the key "
            "that was in use when the backup was made"
        ) from exc
    click.echo(f"TOKEN_KEY opens all {len(sealed)} linked accounts' credentials.")
