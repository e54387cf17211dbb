"""The migrations: the schema they build is the one the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from store.models import Base
from workers.runtime import Runtime


def test_the_migrated_schema_matches_the_models(rt: Runtime) -> None:
    with rt.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert differences == []
