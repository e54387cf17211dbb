"""`python -m workers.pool ARGS`: RQ's `rq worker-pool ARGS`, with a fresh metrics folder.

The pool empties the workers' metrics folder (var/metrics/worker) and sets
PROMETHEUS_MULTIPROC_DIR before RQ imports the worker class, and with it every
job's module and prometheus-client: the workers it forks then count into files
that the web app's /metrics adds up.
"""

from __future__ import annotations

import sys

from config import load_settings
from store.metrics_files import WORKER, start_program_metrics


def main(argv: list[str] | None = None) -> None:
    """Prepare the workers' metrics folder, then run RQ's worker pool with these arguments."""
    start_program_metrics(load_settings().var_dir, WORKER)
    from rq.cli import main as rq  # only now: it imports the worker class, and prometheus-client

    rq(["worker-pool", *(sys.argv[1:] if argv is None else argv)], prog_name="rq")


if __name__ == "__main__":
    main()
