"""A local server run by one of scripts/, installed once, started, and stopped whole.

The scripts install what they need into a cache on first use and exit 75 when that
cannot be done here (no node, npm registry unreachable); the test is then skipped
with the script's own reason. Once started, a script prints `<ready prefix> <url>`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
EX_UNAVAILABLE = 75  # the script could not install what it runs on this machine


class ScriptedServer:
    """A running scripts/<name> process: its URL and every line it printed."""

    install_timeout = 600.0
    start_timeout = 60.0

    def __init__(
        self,
        script: str,
        ready_prefix: str,
        arguments: list[str],
        environment: dict[str, str] | None = None,
    ) -> None:
        self.script = SCRIPTS / script
        self.ready_prefix = ready_prefix
        self.arguments = arguments
        self.environment = environment  # added to this process's environment
        self.url = ""
        self.lines: list[str] = []
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._changed = threading.Condition()

    def install(self) -> None:
        """Install once per machine; skip when the script says it cannot be done here."""
        done = subprocess.run(
            [str(self.script), "install"],
            capture_output=True,
            text=True,
            timeout=self.install_timeout,
            check=False,
        )
        if done.returncode == EX_UNAVAILABLE:
            pytest.skip(_last_line(done.stderr) or f"{self.script.name} cannot be installed here")
        if done.returncode != 0:
            pytest.fail(f"{self.script.name} install failed ({done.returncode}):\n{done.stderr}")

    def start(self) -> None:
        """Start the script and wait for it to announce its URL."""
        self._process = subprocess.Popen(
            [str(self.script), "start", *self.arguments],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(self.environment or {})},
            start_new_session=True,  # a process group of its own, killed whole at the end
        )
        self._reader = threading.Thread(target=self._read, name=self.script.name, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + self.start_timeout
        with self._changed:
            while not self.url:
                if self._process.poll() is not None:
                    pytest.fail(
                        f"{self.script.name} exited ({self._process.returncode}) before it was "
                        "ready:\n" + "\n".join(self.lines[-40:])
                    )
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"{self.script.name} printed no URL in time:\n"
                        + "\n".join(self.lines[-40:])
                    )
                self._changed.wait(timeout=0.5)

    def stop(self) -> None:
        """Stop the whole process group: the script and what it started."""
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
        prefix = f"{self.ready_prefix} "
        for raw in self._process.stdout:
            line = raw.rstrip("\n")
            with self._changed:
                self.lines.append(line)
                if not self.url and line.startswith(prefix):
                    self.url = line[len(prefix) :].strip()
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()


def _last_line(text: str) -> str:
    """Return the last non-blank line of some output."""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
