"""Where the processes keep their counts, for prometheus-client's multiprocess mode.

gunicorn's workers and each worker pool's workers are many processes; each writes
its counts to files in its program's own folder under `var/metrics` (named like
`web-4242-1a2b3c4d` or `worker-77-5e6f7a8b`), and a scrape of /metrics adds up every
file there. Several programs may share one var folder (a web server and worker pools,
in containers too), so each starting program makes a new folder of its own, holds a
lock on it while any of its processes lives, and removes the folders no one holds:
those of earlier runs, whose pids a new process could take over.

prometheus-client picks its mode when it is first imported, from PROMETHEUS_MULTIPROC_DIR:
so this module does not import it, and a program calls `start_program_metrics` first.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import sys
from pathlib import Path
from typing import IO

from config import private_dir

ENV = "PROMETHEUS_MULTIPROC_DIR"
WEB = "web"  # gunicorn's workers
WORKER = "worker"  # a worker pool's workers
HELD = ".held"  # locked for as long as the folder's program runs
GATE = ".starting"  # locked while a program clears old folders and makes its own

# The lock on this process's folder: open until it exits, and inherited by the
# processes it forks, so the folder stays held while any of them runs.
_held: list[IO[str]] = []


def metrics_root(var_dir: Path) -> Path:
    """Return the folder that holds every program's metrics folder."""
    return var_dir / "metrics"


def start_program_metrics(var_dir: Path, program: str) -> Path:
    """Make and hold a new metrics folder for this program; point it and its children there.

    Call it once as the program starts, before it forks its workers.
    """
    if "prometheus_client" in sys.modules:
        # Already in single-process mode: the counts would never reach the files.
        raise RuntimeError(f"prometheus_client was imported before {ENV} was set")
    root = metrics_root(var_dir)
    for made in (var_dir, root):
        private_dir(made)
    # One program at a time: none may take another's folder, made but not yet held, as old.
    with open(root / GATE, "a") as gate:
        fcntl.flock(gate, fcntl.LOCK_EX)
        remove_unheld(root)
        folder = private_dir(root / f"{program}-{os.getpid()}-{secrets.token_hex(4)}")
        # Not closed: the open file is the lock, for as long as the program runs.
        held = open(folder / HELD, "w")  # noqa: SIM115
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _held.append(held)
    os.environ[ENV] = str(folder)
    return folder


def clear_metrics(var_dir: Path) -> None:
    """Remove the metrics folders of programs no longer running (`smsbridge dev` at start)."""
    root = metrics_root(var_dir)
    if root.is_dir():
        with open(root / GATE, "a") as gate:
            fcntl.flock(gate, fcntl.LOCK_EX)
            remove_unheld(root)


def remove_unheld(root: Path) -> None:
    """Remove every folder under root whose program has stopped (the gate must be held)."""
    for folder in root.iterdir():
        if folder.is_dir() and not is_held(folder):
            shutil.rmtree(folder, ignore_errors=True)


def is_held(folder: Path) -> bool:
    """Say whether a running program holds the folder's lock."""
    try:
        with open(folder / HELD, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return True  # not ours to open (or gone already): leave it be
    return False


def multiprocess_mode() -> bool:
    """Say whether this process counts into files (its program started them)."""
    return bool(os.environ.get(ENV))


def program_files(var_dir: Path) -> list[str]:
    """Return every metrics file of every program, for one scrape to add up."""
    return sorted(str(path) for path in metrics_root(var_dir).glob("*/*.db"))
