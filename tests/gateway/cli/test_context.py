"""What every smsbridge command needs: a database with tables, or one clear line."""

from __future__ import annotations

from tests.gateway.cli.conftest import smsbridge


def test_a_database_without_tables_is_one_clear_line(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("SMSBRIDGE_VAR", str(tmp_path))

    result = smsbridge("posts")

    assert result.exit_code == 1
    assert "has no tables yet: run `make run` once, or `smsbridge db upgrade`" in result.output
