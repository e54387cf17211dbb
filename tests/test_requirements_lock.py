"""requirements.lock: every dependency pyproject.toml names is pinned, hashed, within its floor."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+) \\$", re.MULTILINE)


def declared() -> list[Requirement]:
    """pyproject.toml's dependencies and its dev extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return [Requirement(name) for name in names]


def pinned() -> dict[str, str]:
    """requirements.lock's pins, by canonical name."""
    text = (ROOT / "requirements.lock").read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def test_every_dependency_is_pinned_within_its_floor() -> None:
    pins = pinned()

    outside = [
        f"{req} (locked: {pins.get(canonicalize_name(req.name), 'missing')})"
        for req in declared()
        if canonicalize_name(req.name) not in pins
        or not req.specifier.contains(pins[canonicalize_name(req.name)], prereleases=True)
    ]

    assert outside == [], "run `make lock`: " + ", ".join(outside)


def test_every_pin_carries_hashes() -> None:
    text = (ROOT / "requirements.lock").read_text()
    entries = [entry for entry in re.split(r"\n(?=\S)", text) if PIN.match(entry)]

    assert len(entries) == len(pinned()) > 50
    assert all("--hash=sha256:" in entry for entry in entries)
