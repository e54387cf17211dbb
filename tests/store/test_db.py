"""store.db: engines for SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from store.db import make_engine


def test_an_error_names_no_parameter(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(DBAPIError) as failed, engine.connect() as connection:
            connection.execute(
                text("SELECT body FROM no_such_table WHERE body = :body"), {"body": "PIN 4821"}
            )
    finally:
        engine.dispose()

    assert "4821" not in str(failed.value)
    assert "parameters hidden" in str(failed.value)
