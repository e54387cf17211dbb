"""The restore drill, as the README walks it: back up, restore into a new database, check keys."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from store.db import make_engine
from store.models import Account, Person
from tests.factories import add_person
from tests.gateway.cli.conftest import smsbridge
from workers.runtime import Runtime


@pytest.fixture
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the suite's, dropped afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"drill_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_backup_restores_into_a_new_database_with_its_credentials(
    rt: Runtime, env: dict[str, str], fresh_database: str, tmp_path: Path
) -> None:
    add_person(rt, accounts=[("local", "aroha", {"note": "sealed with TOKEN_KEY"})])
    backup = tmp_path / "smsbridge.backup"

    saved = smsbridge("db", "backup", "--to", str(backup))
    restored = smsbridge(
        "db", "restore", "--from", str(backup), env={"DATABASE_URL": fresh_database}
    )
    again = smsbridge("db", "restore", "--from", str(backup), env={"DATABASE_URL": fresh_database})
    wrong_key = smsbridge(
        "db", "restore", "--from", str(backup), "--replace",
        env={"DATABASE_URL": fresh_database, "TOKEN_KEY": Fernet.generate_key().decode()},
    )  # fmt: skip

    assert saved.exit_code == 0, saved.output
    assert "Keep TOKEN_KEY (every key in it) with the backup" in saved.output
    assert backup.stat().st_mode & 0o077 == 0  # only its owner may read it
    assert restored.exit_code == 0, restored.output
    assert "TOKEN_KEY opens all 1 linked accounts' credentials." in restored.output
    engine = make_engine(fresh_database)
    try:
        with engine.connect() as connection:
            assert connection.execute(select(Person.name)).scalars().all() == ["Aroha"]
            assert connection.execute(select(Account.handle)).scalars().all() == ["aroha"]
    finally:
        engine.dispose()
    assert again.exit_code == 1 and "has tables already" in again.output
    assert wrong_key.exit_code == 1
    assert "the backup's credentials do not open with this TOKEN_KEY" in wrong_key.output


def test_a_backup_never_overwrites_a_file(rt: Runtime, env: dict[str, str], tmp_path: Path) -> None:
    existing = tmp_path / "kept"
    existing.write_text("older backup")

    refused = smsbridge("db", "backup", "--to", str(existing))

    assert refused.exit_code == 1 and "exists already" in refused.output
    assert existing.read_text() == "older backup"
