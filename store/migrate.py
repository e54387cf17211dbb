"""Run the Alembic migrations that ship inside the package."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    """Return an Alembic config for our migrations and the given database."""
    # Imported here: Alembic takes a quarter of a second to import, and most
    # CLI commands never migrate.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's config is an INI file underneath: a '%' in a password must be doubled.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database schema up to the given revision."""
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def head_revision() -> str:
    """The newest revision of the migrations that ship with this code."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "the migrations have no head"
    return head
