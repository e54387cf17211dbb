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
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.peers.bluesky_appview import BlueskyAppView

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bluesky-pds"
EX_UNAVAILABLE = 75  # the script could not install Node 22 from the npm registry
INSTALL_TIMEOUT_SECONDS = 1200
START_TIMEOUT_SECONDS = 120
READY_PREFIX = "PDS "


@dataclass(frozen=True)
class BlueskyAccount:
    """An account on the PDS: its handle, DID, main password and an app password."""

    handle: str
    did: str
    password: str
    app_password: str


class BlueskyPds:
    """A running scripts/bluesky-pds process, its URL and its output."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.url = ""
        self.lines: list[str] = []
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._changed = threading.Condition()
        self.http = requests.Session()
        self.appview: BlueskyAppView | None = None

    def install(self) -> None:
        """Install once per machine; skip when Node 22 cannot be had from the npm registry."""
        done = subprocess.run(
            [str(SCRIPT), "install"],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode == EX_UNAVAILABLE:
            pytest.skip(
                _last_line(done.stderr) or "Node 22 cannot be installed from the npm registry"
            )
        if done.returncode != 0:
            pytest.fail(f"scripts/bluesky-pds install failed ({done.returncode}):\n{done.stderr}")

    def start(self, appview: BlueskyAppView | None = None) -> None:
        """Start the PDS with its request log on, and wait for its URL.

        With an AppView, the PDS passes app.bsky.* calls on to it, and the AppView is
        told where the PDS is.
        """
        environment = {
            **os.environ,
            "LOG_ENABLED": "true",
            "LOG_SYSTEMS": "pds",
            "LOG_LEVEL": "info",
        }
        command = [str(SCRIPT), "start", "--data", str(self.data)]
        if appview is not None:
            command += ["--appview", appview.url, "--appview-did", appview.did]
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment,
            start_new_session=True,  # a process group of its own, killed whole at the end
        )
        self._reader = threading.Thread(target=self._read, name="bluesky-pds", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        with self._changed:
            while not self.url:
                if self._process.poll() is not None:
                    pytest.fail(
                        f"scripts/bluesky-pds exited ({self._process.returncode}) before it was "
                        "ready:\n" + "\n".join(self.lines[-40:])
                    )
                if time.monotonic() > deadline:
                    pytest.fail(
                        "scripts/bluesky-pds printed no URL in time:\n"
                        + "\n".join(self.lines[-40:])
                    )
                self._changed.wait(timeout=0.5)
        if appview is not None:
            appview.pds_url = self.url
            self.appview = appview

    def stop(self) -> None:
        """Stop the whole process group: the script and its node."""
        self.http.close()
        if self._process is None:
            return
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=15)
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._process = None

    def _read(self) -> None:
        """Keep every line the process prints; note the URL once it is announced."""
        assert self._process is not None and self._process.stdout is not None
        for raw in self._process.stdout:
            line = raw.rstrip("\n")
            with self._changed:
                self.lines.append(line)
                if not self.url and line.startswith(READY_PREFIX):
                    self.url = line[len(READY_PREFIX) :].strip()
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

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


def _last_line(text: str) -> str:
    """Return the last non-blank line of some output."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@contextmanager
def running_pds(data: Path) -> Iterator[BlueskyPds]:
    """Install if needed, start the PDS and its AppView, yield it, and stop both at the end."""
    pds = BlueskyPds(data)
    pds.install()
    with BlueskyAppView() as appview:
        try:
            pds.start(appview)
            yield pds
        finally:
            pds.stop()
