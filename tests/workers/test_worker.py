"""The worker: jobs in its own process, timeouts that stop a hung job, and handing over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from cryptography.fernet import Fernet
from rq import Queue
from rq.job import Job, JobStatus

from config import Settings
from gateway.cli.dev import BIN, worker_command
from tests.conftest import wait_until
from tests.factories import add_person
from workers.runtime import Runtime
from workers.worker import HEARTBEAT_SECONDS, time_to_hand_over


@contextmanager
def worker_pool(env: dict[str, str], queue: Queue, **extra: str) -> Iterator[None]:
    """Run `rq worker-pool` with one worker, as the Procfile does, until the block ends."""
    redis_url = env["REDIS_URL"]
    pool = subprocess.Popen(
        worker_command(redis_url, queue.name),
        env={**os.environ, **env, **extra},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield
    finally:
        os.killpg(pool.pid, signal.SIGTERM)
        try:
            pool.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(pool.pid, signal.SIGKILL)
            pool.wait()


def run_burst_worker(env: dict[str, str], queue: Queue, **extra: str) -> int:
    """Run one GatewayWorker in burst mode until the queue is empty; return its pid."""
    worker = subprocess.Popen(
        [
            *(str(BIN / "rq"), "worker", "--burst", "-w", "workers.worker.GatewayWorker"),
            *("--serializer", "json", "--url", env["REDIS_URL"], queue.name),
        ],
        env={**os.environ, **env, **extra},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert worker.wait(timeout=60) == 0
    return worker.pid


def finished(*jobs: Job) -> bool:
    """every job has finished"""
    return all(job.get_status(refresh=True) == JobStatus.FINISHED for job in jobs)


def test_jobs_run_in_the_workers_own_process(env: dict[str, str], queue: Queue) -> None:
    jobs = [queue.enqueue("os.getpid") for _ in range(3)]

    worker_pid = run_burst_worker(env, queue)

    assert [job.latest_result().return_value for job in jobs] == [worker_pid] * 3  # type: ignore[union-attr]


class Payload:
    """What someone who can write to Redis might queue: pickled, it runs code when read."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return (Path.touch, (self.marker,))


def test_a_pickled_job_runs_no_code_in_the_worker(
    env: dict[str, str], queue: Queue, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    pickled = Queue(queue.name, connection=queue.connection)  # RQ's default serializer
    pickled.enqueue("os.getpid", Payload(marker))
    after = queue.enqueue("os.getpid")

    worker_pid = run_burst_worker(env, queue)

    assert not marker.exists()
    assert after.latest_result().return_value == worker_pid  # type: ignore[union-attr]


def test_a_worker_with_the_wrong_token_key_stops_saying_so(
    env: dict[str, str], rt: Runtime, queue: Queue
) -> None:
    add_person(rt, accounts=[("local", "aroha", {"token": "x"})])
    job = queue.enqueue("os.getpid")

    worker = subprocess.run(
        [
            *(str(BIN / "rq"), "worker", "--burst", "-w", "workers.worker.GatewayWorker"),
            *("--serializer", "json", "--url", env["REDIS_URL"], queue.name),
        ],
        env={**os.environ, **env, "TOKEN_KEY": Fernet.generate_key().decode()},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert worker.returncode != 0
    assert "smsbridge worker stopped: stored credentials cannot be decrypted" in worker.stderr
    assert job.get_status(refresh=True) == JobStatus.QUEUED  # nothing run, nothing lost


def test_a_job_past_its_timeout_fails_and_the_worker_goes_on(
    env: dict[str, str], queue: Queue
) -> None:
    hung = queue.enqueue("time.sleep", 30, job_timeout=1)
    after = queue.enqueue("os.getpid")

    worker_pid = run_burst_worker(env, queue, WORKER_THREADS="1")  # SIGALRM's timeout

    assert hung.get_status(refresh=True) == JobStatus.FAILED
    assert "JobTimeoutException" in (hung.latest_result().exc_string or "")  # type: ignore[union-attr]
    assert after.latest_result().return_value == worker_pid  # type: ignore[union-attr]


def test_jobs_run_at_once_on_the_workers_threads(env: dict[str, str], queue: Queue) -> None:
    jobs = [
        queue.enqueue("tests.workers.worker_jobs.meet", env["REDIS_URL"], "met", 4)
        for _ in range(4)
    ]

    worker_pid = run_burst_worker(env, queue, WORKER_THREADS="4")

    assert [job.get_status(refresh=True) for job in jobs] == [JobStatus.FINISHED] * 4
    assert {job.latest_result().return_value for job in jobs} == {worker_pid}  # type: ignore[union-attr]


def test_a_threaded_job_past_its_timeout_fails_and_the_others_finish(
    env: dict[str, str], queue: Queue
) -> None:
    stuck = queue.enqueue("tests.workers.worker_jobs.spin", 30, job_timeout=1)
    others = [queue.enqueue("os.getpid") for _ in range(3)]

    run_burst_worker(env, queue, WORKER_THREADS="4")

    assert stuck.get_status(refresh=True) == JobStatus.FAILED
    assert "JobTimeoutException" in (stuck.latest_result().exc_string or "")  # type: ignore[union-attr]
    assert [job.get_status(refresh=True) for job in others] == [JobStatus.FINISHED] * 3


def test_a_long_jobs_heartbeat_is_short_lived_and_renewed(
    env: dict[str, str], queue: Queue
) -> None:
    """A worker killed mid-job is noticed when the heartbeat lapses: a minute, not the timeout."""
    job = queue.enqueue("time.sleep", HEARTBEAT_SECONDS + 5, job_timeout=600)
    registry = queue.started_job_registry.key

    def started_expiry() -> float | None:
        """the job is in the started registry"""
        entries = queue.connection.zrange(registry, 0, -1, withscores=True)
        return max((score for _, score in entries), default=None)

    with worker_pool(env, queue):
        first = wait_until(started_expiry, timeout=30)
        time.sleep(HEARTBEAT_SECONDS + 2)
        renewed = started_expiry()
        wait_until(lambda: finished(job), timeout=30)

    assert first < time.time() + HEARTBEAT_SECONDS + 60 + 5  # not the job's 600 s timeout
    assert renewed is not None and renewed > first


def test_a_worker_hands_over_to_a_fresh_process_after_max_jobs(
    env: dict[str, str], queue: Queue
) -> None:
    jobs = [queue.enqueue("os.getpid") for _ in range(3)]

    with worker_pool(env, queue, WORKER_MAX_JOBS="2", WORKER_THREADS="1"):
        wait_until(lambda: finished(*jobs), timeout=60)

    pids = [job.latest_result().return_value for job in jobs]  # type: ignore[union-attr]
    assert pids[0] == pids[1] != pids[2]


def test_a_worker_past_its_memory_limit_hands_over_after_its_job(
    env: dict[str, str], queue: Queue
) -> None:
    jobs = [queue.enqueue("os.getpid") for _ in range(2)]

    with worker_pool(env, queue, WORKER_MAX_MB="1", WORKER_THREADS="1"):
        wait_until(lambda: finished(*jobs), timeout=60)

    first, second = (job.latest_result().return_value for job in jobs)  # type: ignore[union-attr]
    assert first != second


def test_a_threaded_worker_hands_over_after_the_jobs_it_has_taken(
    env: dict[str, str], queue: Queue
) -> None:
    jobs = [queue.enqueue("os.getpid") for _ in range(6)]

    with worker_pool(env, queue, WORKER_MAX_JOBS="2", WORKER_THREADS="2"):
        wait_until(lambda: finished(*jobs), timeout=60)

    pids = Counter(job.latest_result().return_value for job in jobs)  # type: ignore[union-attr]
    # Past its limit a worker takes no new job; the ones on its threads finish.
    assert len(pids) >= 2
    assert max(pids.values()) <= 2 + 2 - 1


def test_time_to_hand_over_names_the_limit_reached(settings: Settings) -> None:
    limits = replace(settings, worker_max_jobs=100, worker_max_mb=300)

    assert time_to_hand_over(limits, 99, 299.0) == ""
    assert time_to_hand_over(limits, 100, 10.0) == "100 jobs done (WORKER_MAX_JOBS)"
    assert time_to_hand_over(limits, 5, 301.0) == "peak memory 301 MB (WORKER_MAX_MB 300)"


def test_a_worker_reads_its_own_peak_memory_not_its_parents() -> None:
    # ru_maxrss is kept across fork and exec: a worker started by a process that once
    # held much memory would read that peak as its own and hand over after every job.
    ballast = bytearray(600 * 1024 * 1024)  # this process's peak passes 600 MB
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched, so resident
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "from workers.worker import peak_rss_mb; print(peak_rss_mb())",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    del ballast

    assert float(child.stdout) < 300  # a fresh interpreter and the worker module
