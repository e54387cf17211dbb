"""The deployment's files read as their programs read them: Procfile, deploy/bin, units.

The units name the paths docs/deploy.md installs to (/opt/smsbridge/app for the
code, /opt/smsbridge/venv for its venv); `here` maps those onto this checkout and
the venv running the tests, so a test can start what a unit starts.
"""

from __future__ import annotations

import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
APP_DIR = "/opt/smsbridge/app"
VENV_DIR = "/opt/smsbridge/venv"
VENV = Path(sys.executable).parent.parent
PROCESSES = ("release", "web", "worker")
# A setting's name at the start of a line of .env.example, commented out or not.
DOCUMENTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def procfile() -> dict[str, str]:
    """Return the Procfile's commands by process name."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def documented_settings() -> set[str]:
    """Return every setting .env.example names."""
    return set(DOCUMENTED.findall((ROOT / ".env.example").read_text()))


def here(text: str) -> str:
    """Return a unit's path or line with the server's install paths moved to this checkout."""
    return text.replace(APP_DIR, str(ROOT)).replace(VENV_DIR, str(VENV))


@dataclass(frozen=True)
class Unit:
    """A systemd unit file: each section's keys, with every value given, in order."""

    name: str
    sections: dict[str, dict[str, list[str]]]

    def values(self, section: str, key: str) -> list[str]:
        return self.sections.get(section, {}).get(key, [])

    def value(self, section: str, key: str) -> str:
        """The key's value (the last given, as systemd takes it), or "" if not set."""
        given = self.values(section, key)
        return given[-1] if given else ""

    @property
    def environment(self) -> dict[str, str]:
        """The Environment= assignments, each line's NAME=value words in order."""
        pairs = (
            word.split("=", 1)
            for line in self.values("Service", "Environment")
            for word in shlex.split(line)
        )
        return dict(pairs)

    @property
    def exec_start(self) -> list[str]:
        return shlex.split(self.value("Service", "ExecStart"))


def read_unit(name: str) -> Unit:
    """Read deploy/systemd/<name> (comments and blank lines skipped)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in (UNITS / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return Unit(name, sections)
