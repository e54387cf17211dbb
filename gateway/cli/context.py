"""The settings and runtime a CLI command works with, built once per invocation."""

from __future__ import annotations

import click
from sqlalchemy import inspect

from config import ConfigError, Settings, load_settings
from workers.runtime import Runtime, build_runtime


def settings() -> Settings:
    """Return this invocation's settings; a configuration problem is one clear line."""
    meta = click.get_current_context().find_root().meta
    if "smsbridge.settings" not in meta:
        try:
            meta["smsbridge.settings"] = load_settings()
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
    found: Settings = meta["smsbridge.settings"]
    return found


def runtime() -> Runtime:
    """Return this invocation's runtime (database sessions, queue, secrets)."""
    root = click.get_current_context().find_root()
    if "smsbridge.runtime" not in root.meta:
        built = build_runtime(settings())
        root.call_on_close(built.close)
        if not inspect(built.engine).has_table("alembic_version"):
            raise fail(
                f"the database {built.engine.url.render_as_string(hide_password=True)} has no "
                "tables yet: run `make run` once, or `smsbridge db upgrade`"
            )
        root.meta["smsbridge.runtime"] = built
    found: Runtime = root.meta["smsbridge.runtime"]
    return found


def fail(message: str) -> click.ClickException:
    """Return an error that click prints as one line, exiting non-zero."""
    return click.ClickException(message)
