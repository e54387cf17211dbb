"""The settings and runtime a CLI command works with, built once per invocation."""

from __future__ import annotations

from functools import cache

import click

from config import ConfigError, Settings, load_settings
from workers.runtime import Runtime, build_runtime


@cache
def settings() -> Settings:
    """Return the settings, turning a configuration problem into one clear line."""
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@cache
def runtime() -> Runtime:
    """Return the runtime (database sessions, queue, secrets) for this command."""
    built = build_runtime(settings())
    click.get_current_context().call_on_close(built.close)
    return built


def fail(message: str) -> click.ClickException:
    """Return an error that click prints as one line, exiting non-zero."""
    return click.ClickException(message)
