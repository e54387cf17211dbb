"""Fixtures every connector's tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """The HTTP session the connector is given, as the runtime would give it."""
    with requests.Session() as session:
        yield session
