"""Database engine and sessions, tuned so several processes can share SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, Engine, Update, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000


def make_engine(database_url: str, pool_size: int = 5) -> Engine:
    """Create an engine; SQLite gets WAL mode and a busy timeout for many writers.

    `pool_size` connections are kept; as many again may be opened under load.
    """
    url = make_url(database_url)
    if url.drivername in ("postgres", "postgresql"):
        # Platforms hand out postgres:// URLs; we ship psycopg 3, not psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() != "sqlite":
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=pool_size,
            max_overflow=pool_size,
            hide_parameters=True,  # an error's log must not print a text's body or phone
        )
    if url.database and url.database != ":memory:":
        folder = Path(url.database).parent
        if not folder.exists():
            folder.mkdir(mode=0o700, parents=True)  # a database of texts: its owner's alone
    # isolation_level=None hands transactions to us, so BEGIN IMMEDIATE below can
    # take the write lock up front instead of failing half way with "locked".
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None},
        pool_size=pool_size,
        max_overflow=pool_size,
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit on success, roll back on any error."""
    with sessions() as session, session.begin():
        yield session


def update_rows(session: Session, statement: Update) -> int:
    """Run an UPDATE and return how many rows it changed (0 means another got there first)."""
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount
