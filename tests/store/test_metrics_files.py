"""Programs' metrics folders: a new one each start, held while running, old ones removed."""

from __future__ import annotations

import fcntl
import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from store.metrics_files import (
    ENV,
    HELD,
    WEB,
    WORKER,
    clear_metrics,
    metrics_root,
    multiprocess_mode,
    program_files,
    start_program_metrics,
)


def leave(folder: Path, *names: str) -> Path:
    """Put files in a folder as a run of its program would have left them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_bytes(b"")
    return folder


@contextmanager
def running(folder: Path) -> Iterator[None]:
    """Hold the folder's lock as its program does while it runs (from here: another process)."""
    with open(folder / HELD, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def test_a_worker_pool_starts_a_folder_of_its_own_and_removes_stopped_ones(
    tmp_path: Path,
) -> None:
    var_dir = tmp_path / "var"
    stopped = leave(metrics_root(var_dir) / "worker-101-0a0a0a0a", "counter_101.db", HELD)
    web = leave(metrics_root(var_dir) / "web-202-0b0b0b0b", "counter_203.db")

    with running(web):
        # --help: RQ answers and stops, but only after the pool has made its folder.
        done = subprocess.run(
            [sys.executable, "-m", "workers.pool", "--help"],
            env={**os.environ, "SMSBRIDGE_VAR": str(var_dir), "SMSBRIDGE_ENV": "development"},
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert done.returncode == 0, done.stderr
    assert "worker pool" in done.stdout.lower()
    assert not stopped.exists()
    assert program_files(var_dir) == [str(web / "counter_203.db")]
    [made] = metrics_root(var_dir).glob(f"{WORKER}-*")
    assert re.fullmatch(rf"{WORKER}-\d+-[0-9a-f]{{8}}", made.name)
    assert [path.name for path in made.iterdir()] == [HELD]


def test_every_programs_files_are_read_and_dev_clears_the_stopped(tmp_path: Path) -> None:
    web = leave(metrics_root(tmp_path) / "web-1-0c0c0c0c", "counter_1.db", "notes.txt")
    worker = leave(metrics_root(tmp_path) / "worker-2-0d0d0d0d", "histogram_2.db")

    assert [Path(name).name for name in program_files(tmp_path)] == [
        "counter_1.db",
        "histogram_2.db",
    ]
    with running(worker):
        clear_metrics(tmp_path)

    assert not web.exists()
    assert program_files(tmp_path) == [str(worker / "histogram_2.db")]


def test_a_program_that_imported_prometheus_client_first_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its counts would stay in its memory, never in the files a scrape reads."""
    monkeypatch.delenv(ENV, raising=False)
    importlib.import_module("prometheus_client")  # as the test process has, in its mode

    with pytest.raises(RuntimeError, match="imported before PROMETHEUS_MULTIPROC_DIR"):
        start_program_metrics(tmp_path, WEB)

    assert not multiprocess_mode()
    assert not metrics_root(tmp_path).exists()
