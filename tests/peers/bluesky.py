"""A real Bluesky PDS for tests: scripts/bluesky-pds, run for the session, driven over XRPC.

The script installs Node 22 and @atproto/dev-env once per machine into a cache
(minutes the first time), then starts `TestNetworkNoAppView`: a PDS and an
in-memory PLC on 127.0.0.1, with Bluesky's rate limits. Its request log (pino
JSON lines, one per request) is read here so tests can count calls honestly.
The PDS passes app.bsky.* calls on to the AppView in tests/peers/bluesky_appview.py,
which serves notifications from the PDS's own repositories.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Page

from tests.peers.bluesky_appview import BlueskyAppView
from tests.peers.scripted import ScriptedServer


@dataclass(frozen=True)
class BlueskyAccount:
    """An account on the PDS: its handle, DID, main password and an app password."""

    handle: str
    did: str
    password: str
    app_password: str


class BlueskyPds(ScriptedServer):
    """A running scripts/bluesky-pds process, its URL and its output."""

    install_timeout = 1200.0  # Node 22 and @atproto/dev-env, the first time on a machine
    start_timeout = 120.0

    def __init__(self, data: Path, port: int = 0, plc_port: int = 0) -> None:
        # The PDS's request log on (pino JSON lines), so tests can count calls.
        logging = {"LOG_ENABLED": "true", "LOG_SYSTEMS": "pds", "LOG_LEVEL": "info"}
        ports = ["--port", str(port), "--plc-port", str(plc_port)]  # 0: any free one
        super().__init__("bluesky-pds", "PDS", ["--data", str(data), *ports], logging)
        self.data = data
        self.http = requests.Session()
        self.appview: BlueskyAppView | None = None
        self.plc_url = ""  # the in-memory PLC directory its accounts' DIDs live in

    def start(self, appview: BlueskyAppView | None = None) -> None:
        """Start the PDS and wait for its URL.

        With an AppView, the PDS passes app.bsky.* calls on to it, and the AppView is
        told where the PDS is.
        """
        if appview is not None:
            self.arguments += ["--appview", appview.url, "--appview-did", appview.did]
        super().start()
        with self._changed:
            self.plc_url = next(
                line.removeprefix("PLC ").strip() for line in self.lines if line.startswith("PLC ")
            )
        if appview is not None:
            appview.pds_url = self.url
            self.appview = appview

    def stop(self) -> None:
        """Stop the whole process group: the script and its node."""
        self.http.close()
        super().stop()

    @property
    def public_url(self) -> str:
        """The address the PDS knows itself by: its DID documents and DPoP checks name it."""
        return self.url.replace("//127.0.0.1:", "//localhost:")

    def xrpc(self, nsid: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
        """Call an XRPC method over HTTP (a procedure when a body is given); return its JSON."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if body is None:
            response = self.http.get(f"{self.url}/xrpc/{nsid}", headers=headers, timeout=20)
        else:
            response = self.http.post(
                f"{self.url}/xrpc/{nsid}", json=body, headers=headers, timeout=20
            )
        if response.status_code != 200:
            raise AssertionError(f"{nsid}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def create_account(self, name: str, password: str | None = None) -> BlueskyAccount:
        """Create `<name>.test` with a password, and an app password for it."""
        handle = f"{name}.test"
        password = password or f"pw-{uuid.uuid4().hex}"
        created = self.xrpc(
            "com.atproto.server.createAccount",
            {"handle": handle, "email": f"{name}@example.com", "password": password},
        )
        app = self.xrpc(
            "com.atproto.server.createAppPassword",
            {"name": "smsbridge"},
            token=created["accessJwt"],
        )
        return BlueskyAccount(handle, created["did"], password, app["password"])

    def get(self, nsid: str, **params: str) -> requests.Response:
        """Send an XRPC query with parameters; return the raw response."""
        return self.http.get(f"{self.url}/xrpc/{nsid}", params=params, timeout=20)

    def get_record(self, uri: str) -> dict[str, Any]:
        """Read one record by its at:// URI with com.atproto.repo.getRecord."""
        repo, collection, rkey = uri.removeprefix("at://").split("/")
        response = self.get(
            "com.atproto.repo.getRecord", repo=repo, collection=collection, rkey=rkey
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def list_records(
        self, repo: str, collection: str = "app.bsky.feed.post"
    ) -> list[dict[str, Any]]:
        """List a repository's records of a collection with com.atproto.repo.listRecords."""
        response = self.get(
            "com.atproto.repo.listRecords", repo=repo, collection=collection, limit="100"
        )
        assert response.status_code == 200, response.text
        return list(response.json()["records"])

    def requests_logged(self) -> list[dict[str, Any]]:
        """Return the `req` of every request the PDS has logged so far, in order."""
        logged = []
        with self._changed:
            lines = list(self.lines)
        for line in lines:
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            if isinstance(entry.get("req"), dict) and entry.get("msg") == "request completed":
                logged.append(entry["req"])
        return logged

    def barrier(self) -> None:
        """Wait until the PDS has logged every request answered before this call."""
        marker = uuid.uuid4().hex
        self.get("_health", barrier=marker)
        deadline = time.monotonic() + 10
        with self._changed:
            while not any(marker in line for line in self.lines):
                assert time.monotonic() < deadline, "the PDS did not log a request in time"
                self._changed.wait(timeout=0.2)

    @contextmanager
    def counting(self, nsid: str) -> Iterator[list[int]]:
        """Count the calls to one XRPC method made inside the block, from the PDS's log."""
        self.barrier()
        before = self._count(nsid)
        count = [0]
        yield count
        self.barrier()
        count[0] = self._count(nsid) - before

    def _count(self, nsid: str) -> int:
        """Return how many calls to an XRPC method the PDS has logged."""
        path = f"/xrpc/{nsid}"
        return sum(
            1 for req in self.requests_logged() if str(req.get("url", "")).split("?")[0] == path
        )


def answer_sign_in(page: Page, account: BlueskyAccount, decision: str = "Authorize") -> None:
    """On the PDS's own OAuth pages: the account's password, then Authorize or Deny access."""
    # The handle is filled in already, from the login_hint the client sent.
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_label("Password", exact=True).press("Enter")
    page.get_by_role("button", name=decision).click()


@contextmanager
def running_pds(data: Path, port: int = 0, plc_port: int = 0) -> Iterator[BlueskyPds]:
    """Install if needed, start the PDS and its AppView, yield it, and stop both at the end."""
    pds = BlueskyPds(data, port, plc_port)
    pds.install()
    with BlueskyAppView() as appview:
        try:
            pds.start(appview)
            yield pds
        finally:
            pds.stop()
