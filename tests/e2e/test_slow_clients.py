"""Slow clients against the real gunicorn: they cannot starve the webhook or the health check."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from urllib.parse import urlsplit

import requests

from tests.e2e.conftest import Stack

SLOW = 4  # more than the two that starved gunicorn's two sync workers


@contextmanager
def half_sent_requests(url: str, count: int) -> Iterator[None]:
    """Hold connections open that have sent half their headers, and never the rest."""
    where = urlsplit(url)
    with ExitStack() as held:
        for _ in range(count):
            conn = held.enter_context(socket.create_connection((where.hostname, where.port)))
            conn.sendall(b"POST /sms/inbound HTTP/1.1\r\nHost: slow.example\r\nContent-Le")
        yield


def test_connections_that_never_finish_their_headers_do_not_starve_the_app(
    stack: Stack,
) -> None:
    with half_sent_requests(stack.url, SLOW):
        health = requests.get(f"{stack.url}/healthz", timeout=5)
        text = stack.send("+64211234567", "Still answered")

    assert health.status_code == 200
    assert text.status_code == 200
