"""Fixtures for the platform connectors' tests: a real Bluesky PDS for the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.peers.bluesky import BlueskyPds, running_pds


@pytest.fixture(scope="session")
def bluesky_pds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BlueskyPds]:
    """A Bluesky PDS (no AppView) on 127.0.0.1 for the whole session."""
    with running_pds(tmp_path_factory.mktemp("bluesky-pds")) as pds:
        yield pds
