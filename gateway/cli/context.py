"""The settings and runtime a CLI command works with, built once per invocation."""

from __future__ import annotations

import click

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
        root.meta["smsbridge.runtime"] = built
    found: Runtime = root.meta["smsbridge.runtime"]
    return found


def fail(message: str) -> click.ClickException:
    """Return an error that click prints as one line, exiting non-zero."""
    return click.ClickException(message)
