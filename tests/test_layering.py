"""The import contracts in pyproject.toml hold, and fail when an import breaks the plan."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("config", "store", "gateway", "workers")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the packages in tree, with tree first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packages and pyproject.toml, to add a bad import to."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_contract() -> None:
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout


def test_the_copy_keeps_every_contract_before_a_bad_import(tree: Path) -> None:
    result = lint_imports(tree)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "bad_import", "broken"),
    [
        ("store/phones.py", "import workers.runtime", "Imports flow one way"),
        ("config/__init__.py", "import store.db", "Imports flow one way"),
        ("workers/sweeper.py", "import gateway.cli", "Imports flow one way"),
        ("gateway/health.py", "from workers.texts_out import replies", "The web app imports"),
        # Only the linking check may call worker code; the other console pages enqueue.
        ("gateway/console/people_pages.py", "import workers.dispatch", "The web app imports"),
        ("gateway/timeline.py", "import workers.platforms.x", "The web app imports"),
        ("workers/platforms/x.py", "from workers.publishing import compose", "A connector knows"),
        ("workers/platforms/mastodon.py", "import gateway.services", "A connector knows"),
        ("workers/platforms/bluesky.py", "from store import models", "Connectors keep no"),
    ],
)
def test_a_bad_import_breaks_its_contract(
    tree: Path, module: str, bad_import: str, broken: str
) -> None:
    with (tree / module).open("a") as source:
        source.write(f"\n{bad_import}  # deliberately against the plan\n")

    result = lint_imports(tree)

    assert result.returncode == 1, result.stdout
    broken_lines = [line for line in result.stdout.splitlines() if "BROKEN" in line]
    assert any(line.startswith(broken) for line in broken_lines), result.stdout
    importer = module.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    assert f"{importer} -> " in result.stdout
