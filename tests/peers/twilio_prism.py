"""Twilio's own OpenAPI description of API 2010, served by Stoplight Prism: scripts/twilio-prism.

`prism mock` checks each request against the spec and answers a valid one with the
spec's own example Message (status 201), an invalid one with 422 and a problem+json
body listing what broke which rule. `prism proxy` checks the same, forwards valid
requests to an upstream (the hand-written peer in tests/peers/twilio.py) and checks
its answer against the spec as well: a Message the spec does not allow becomes a 500.
The spec documents no error bodies for Messages, so Twilio's error codes come from
the hand-written peer.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from tests.peers.scripted import ScriptedServer

READY_PREFIX = "Twilio"
MESSAGES_PATH = "/2010-04-01/Accounts/{AccountSid}/Messages.json"


class TwilioPrism(ScriptedServer):
    """A running scripts/twilio-prism: Prism mocking Twilio's API, or proxying to a peer."""

    def __init__(self, upstream: str = "") -> None:
        super().__init__("twilio-prism", READY_PREFIX, ["--upstream", upstream] if upstream else [])

    def created_message(self, example: str = "create") -> dict[str, Any]:
        """The Message the spec shows as the answer to a create: what `prism mock` returns."""
        answers = twilio_spec()["paths"][MESSAGES_PATH]["post"]["responses"]["201"]
        return dict(answers["content"]["application/json"]["examples"][example]["value"])


@cache
def twilio_spec() -> dict[str, Any]:
    """Twilio's OpenAPI description of API 2010, as installed by scripts/twilio-prism."""
    path = subprocess.run(
        [str(TwilioPrism().script), "spec"], capture_output=True, text=True, check=True
    ).stdout.strip()
    with open(path, encoding="utf-8") as spec:
        return dict(json.load(spec))


def violations(body: str) -> list[dict[str, Any]]:
    """The rules a request or response broke, from Prism's problem+json error body."""
    return list(json.loads(body).get("validation", []))


@contextmanager
def running_prism(upstream: str = "") -> Iterator[TwilioPrism]:
    """Install if needed, start Prism (a mock, or a proxy to `upstream`), stop it at the end."""
    prism = TwilioPrism(upstream)
    prism.install()
    try:
        prism.start()
        yield prism
    finally:
        prism.stop()
