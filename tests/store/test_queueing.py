"""Enqueueing: stable job ids per row, and retry waits in the order RQ uses them."""

from __future__ import annotations

from rq import Queue
from rq.job import Job

from config import Settings
from store.queueing import enqueue_publish, enqueue_sms, retry_intervals


def test_retry_intervals_have_one_wait_per_retry() -> None:
    assert retry_intervals(2, (5, 30, 120, 600)) == [5, 30]
    assert retry_intervals(4, (5, 30, 120, 600)) == [5, 30, 120, 600]
    assert retry_intervals(5, (5, 30)) == [5, 30, 30, 30, 30]


def test_the_first_retry_of_a_publish_job_waits_the_shortest_time(
    queue: Queue, settings: Settings
) -> None:
    job = enqueue_publish(queue, 7, settings)

    fetched = Job.fetch(job.id, connection=queue.connection, serializer=queue.serializer)
    assert fetched.retries_left == settings.publish_attempts - 1
    assert fetched.get_retry_interval() == settings.publish_backoff[0]


def test_a_row_already_waiting_is_not_enqueued_again(queue: Queue, settings: Settings) -> None:
    first = enqueue_sms(queue, 3)
    second = enqueue_sms(queue, 3)

    assert first.id == second.id == "send_sms-3"
    assert queue.count == 1
