"""The RQ worker class, run by `python -m workers.pool -w workers.worker.GatewayWorker`.

Each job runs in the worker's own process (RQ's SimpleWorker), so the runtime it
builds once (settings, engine, Redis, HTTP session, connectors' modules) serves
every job: forking a work horse per job rebuilt all of that each time and
capped a worker at about one text a second (docs/DESIGN.md has the figures).
What forking gave is kept otherwise: RQ's job timeout still stops a job that
hangs (SIGALRM in this process), and the worker hands over to a fresh process
after WORKER_MAX_JOBS jobs or once its peak memory passes WORKER_MAX_MB; the
pool starts the replacement. A ticker thread enqueues the sweeper, with a Redis
lock so a fleet of workers sweeps once per interval.
"""

from __future__ import annotations

import contextvars
import logging
import resource
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.executions import Execution
from rq.job import Job
from rq.timeouts import TimerDeathPenalty
from rq.worker import BaseWorker, WorkerStatus

# Imported before the pool forks its workers, so each starts warm.
import workers.mentions.reading
import workers.publishing.deliveries
import workers.sweeper
import workers.texts_in.inbound
import workers.texts_in.undo
import workers.texts_out.notices
import workers.texts_out.sms
import workers.walls.tag_reading  # noqa: F401
from config import DEVELOPMENT, Settings, load_settings
from config.logs import setup_logging, text_context
from store.metrics import JOB_SECONDS, job_name
from store.queueing import FINISHED_JOB_SECONDS, SWEEP, make_queue
from store.secrets_box import CredentialsUnreadable
from workers.platforms import platform_names
from workers.publishing.accounts import check_token_key
from workers.runtime import current

log = logging.getLogger(__name__)

SWEEP_LOCK = "smsbridge:sweep-lock"
# RQ's default is ten minutes. Maintenance is when a worker takes over the
# scheduler of a worker that died and retries jobs that died with it; until then
# retries with backoff wait. A minute keeps a lost worker from stalling the fleet.
MAINTENANCE_SECONDS = 60
# A job's heartbeat is renewed this often while it runs, so a worker killed mid-job
# is noticed about a minute later (this plus RQ's 60 s), not after the job's timeout.
HEARTBEAT_SECONDS = 10

platform_names()  # import every connector now, not in the middle of someone's text


class GatewayWorker(SimpleWorker):
    """An RQ worker that runs jobs in its own process, on WORKER_THREADS threads at once.

    Platforms answer in hundreds of milliseconds; threads let one process keep many
    of those calls in flight. With threads, a job's timeout is RQ's timer penalty (an
    exception raised in the job's thread, once it is back in Python code) instead of
    SIGALRM, which only reaches the main thread. Each job stays idempotent by its
    row, so two jobs at once behave as two processes would.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        interval = kwargs.get("maintenance_interval") or MAINTENANCE_SECONDS
        kwargs["maintenance_interval"] = min(interval, MAINTENANCE_SECONDS)
        kwargs["job_monitoring_interval"] = HEARTBEAT_SECONDS
        super().__init__(*args, **kwargs)
        self.settings = load_settings()
        setup_logging(self.settings.env)
        self.jobs_done = 0
        self._counting = threading.Lock()
        threads = self.settings.worker_threads
        self._free = threading.BoundedSemaphore(threads)
        self._threads: ThreadPoolExecutor | None = None
        if threads > 1:
            self._threads = ThreadPoolExecutor(threads, thread_name_prefix="job")
            self.death_penalty_class = TimerDeathPenalty

    def work(self, *args: Any, **kwargs: Any) -> bool:
        """Build the runtime, check TOKEN_KEY, start the sweep ticker, then work as RQ does."""
        try:
            check_token_key(current())
        except CredentialsUnreadable as exc:
            # A configuration error: say so and stop, rather than fail every job.
            log.critical("%s", exc)
            raise SystemExit(f"smsbridge worker stopped: {exc}") from exc
        start_sweep_ticker(self.settings)
        if self.settings.env == DEVELOPMENT:
            # RQ sets its loggers' level again as work starts: keep its per-job lines
            # out of `make run`'s terminal (production logs them, as JSON).
            kwargs["logging_level"] = "WARNING"
        return super().work(*args, **kwargs)

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        """Take the next job only once a thread is free to run it, and none once told to stop."""
        self._free.acquire()
        if self._stop_requested:  # set while we waited for a thread: take nothing more
            self._free.release()
            return None
        found = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        if found is None:
            self._free.release()
        return found

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Run the job on a free thread (or here, with one thread) and return at once."""
        execution = self.prepare_execution(job)
        if self._threads is None:
            self._run(job, queue, execution)
        else:
            self._threads.submit(self._run, job, queue, execution)

    def _run(self, job: Job, queue: Queue, execution: Execution) -> None:
        """Perform one job with its heartbeat kept, then free its thread."""
        try:
            # A context of its own: the ids the job logs with go with it, not to the next.
            contextvars.copy_context().run(self._perform, job, queue, execution)
        finally:
            self._free.release()
        if not self.executions:
            self.set_state(WorkerStatus.IDLE)
        with self._counting:
            self.jobs_done += 1
            reason = time_to_hand_over(self.settings, self.jobs_done, peak_rss_mb())
        if reason and not self._stop_requested:
            self.log.info("Worker %s: %s; stopping for a fresh process", self.name, reason)
            self._stop_requested = True

    def teardown(self) -> None:
        """Let the jobs still running on threads finish before the worker signs off."""
        if self._threads is not None:
            self._threads.shutdown(wait=True)
        super().teardown()

    def _perform(self, job: Job, queue: Queue, execution: Execution) -> None:
        """Perform the job, its logs carrying the ids of the text that caused it."""
        meta = job.meta or {}
        ids = {key: str(meta.get(key) or "") for key in ("message_sid", "request_id")}
        with text_context(job_id=job.id, **ids), beating(self, job, execution):
            self.perform_job(job, queue, execution)

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        """Perform the job as RQ does, timed for /metrics by its function and outcome."""
        started = time.monotonic()
        finished = super().perform_job(job, queue, execution)
        JOB_SECONDS.labels(
            job=job_name(job.func_name), outcome="finished" if finished else "failed"
        ).observe(time.monotonic() - started)
        return finished

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """Give each heartbeat a short life, as a forking worker's are: it is renewed."""
        # SimpleWorker's own TTL is the whole job timeout, for it cannot beat mid-job.
        return BaseWorker.get_heartbeat_ttl(self, job, working_time)


@contextmanager
def beating(worker: GatewayWorker, job: Job, execution: Execution) -> Iterator[None]:
    """Renew the worker's and the job's heartbeat from a thread while the block runs."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(HEARTBEAT_SECONDS):
            try:
                worker.maintain_heartbeats(job, execution)
            except RedisError as exc:  # the next beat tries again; RQ's TTL has a minute spare
                log.warning("heartbeat: Redis unreachable (%s)", exc)

    thread = threading.Thread(target=beat, name=f"heartbeat-{job.id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def time_to_hand_over(settings: Settings, jobs_done: int, rss_mb: float) -> str:
    """Say why a worker should hand over to a fresh process, or return '' if not yet."""
    if jobs_done >= settings.worker_max_jobs:
        return f"{jobs_done} jobs done (WORKER_MAX_JOBS)"
    if rss_mb > settings.worker_max_mb:
        return f"peak memory {rss_mb:.0f} MB (WORKER_MAX_MB {settings.worker_max_mb})"
    return ""


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB, since it started its program.

    Linux's VmHWM, which a new program starts afresh. getrusage's ru_maxrss is kept
    across fork and exec: a worker started by a big process would read that process's
    peak as its own, and hand over after every job. (It is the fallback elsewhere.)
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_sweep_ticker(settings: Settings) -> threading.Thread:
    """Enqueue a sweep every sweep_after_seconds, once across all workers."""
    interval = max(settings.sweep_after_seconds, 1)
    queue = make_queue(settings)

    def tick() -> None:
        while True:
            time.sleep(interval)
            try:
                if queue.connection.set(SWEEP_LOCK, "1", nx=True, ex=max(interval - 1, 1)):
                    queue.enqueue(SWEEP, result_ttl=FINISHED_JOB_SECONDS)
            except RedisError as exc:
                log.warning("sweep ticker: Redis unreachable (%s)", exc)

    thread = threading.Thread(target=tick, name="sweep-ticker", daemon=True)
    thread.start()
    return thread
