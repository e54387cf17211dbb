"""The RQ queue and the one place jobs are enqueued, by dotted name.

Jobs are named as strings so the web process never imports worker code. Each
job has a stable id per row, so the sweeper can tell a job still waiting from
one that was lost, and does not pile up copies.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from config import Settings
from config.logs import current_context

HANDLE_INBOUND = "workers.texts_in.inbound.handle_inbound"
PUBLISH_DELIVERY = "workers.publishing.deliveries.publish_delivery"
SEND_SMS = "workers.texts_out.sms.send_sms"
SWEEP = "workers.sweeper.sweep"
UNDO_POST = "workers.texts_in.undo.undo_post"
READ_MENTIONS = "workers.mentions.reading.read_mentions"
READ_TAG_POSTS = "workers.walls.tag_reading.read_tag_posts"
TEXT_PERSON = "workers.texts_out.notices.text_person"
SEND_BROADCAST = "workers.following.sending.send_broadcast"

# What text_person can send: a new confirmation code, or word that an admin
# dropped the person's held post.
CONFIRM_CODE = "confirm_code"
HELD_DROPPED = "held_dropped"
ACCOUNT_LINKED = "account_linked"  # with the account, "Mastodon @aroha@kiwi.social"

SMS_BACKOFF = (10, 60, 300)
# An UNDO waits for its post's deliveries to end, and retries a platform that failed.
UNDO_BACKOFF = (5, 15, 60, 300)

# Our jobs record their outcome in their rows; nobody reads RQ's copy of a finished
# job, so it lives a minute, not RQ's 500 s: at hundreds of texts a second that is
# most of Redis's memory. (Not 0: RQ deletes such a job with more commands than it
# takes to let it expire. A failed job is kept for RQ's failure_ttl, to be looked at.)
FINISHED_JOB_SECONDS = 60

_WAITING = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def connect_redis(redis_url: str) -> Redis:
    """Connect to Redis with short timeouts, so a dead server fails fast, not slowly."""
    return Redis.from_url(
        redis_url, socket_connect_timeout=1, socket_timeout=5, health_check_interval=30
    )


def make_queue(settings: Settings, connection: Redis | None = None) -> Queue:
    """Return the gateway's queue on the configured Redis, its jobs written as JSON.

    RQ's default, pickle, would run code from anyone who can write to Redis; every
    job's arguments here are ids and words, which JSON carries.
    """
    return Queue(
        settings.queue_name,
        connection=connection or connect_redis(settings.redis_url),
        serializer=JSONSerializer,
    )


def enqueue_for_row(
    queue: Queue, func: str, row_id: int, new: bool = False, **options: object
) -> Job:
    """Enqueue func(row_id) unless a job for that row is already waiting or running.

    `new` says the row was stored this instant, so it has no job yet: no look-up.
    """
    job_id = f"{func.rsplit('.', 1)[-1]}-{row_id}"
    if not new:
        try:
            job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
        except NoSuchJobError:
            pass
        else:
            if job.get_status(refresh=False) in _WAITING:
                return job
    return queue.enqueue(
        func,
        row_id,
        job_id=job_id,
        result_ttl=FINISHED_JOB_SECONDS,
        meta=current_context(),  # the text's ids, for the job's logs
        **options,
    )


def enqueue_inbound(queue: Queue, inbound_id: int, new: bool = False) -> Job:
    """Enqueue the handling of one stored inbound text (`new`: stored this instant)."""
    return enqueue_for_row(queue, HANDLE_INBOUND, inbound_id, new=new)


def enqueue_publish(queue: Queue, delivery_id: int, settings: Settings) -> Job:
    """Enqueue one delivery's publishing, retried with backoff on transient failures."""
    return enqueue_for_row(queue, PUBLISH_DELIVERY, delivery_id, retry=publish_retry(settings))


def publish_retry(settings: Settings) -> Retry | None:
    """Return the retry policy for publish jobs: backoff between the configured attempts."""
    retries = settings.publish_attempts - 1
    if retries < 1:
        return None
    return Retry(max=retries, interval=retry_intervals(retries, settings.publish_backoff))


def enqueue_publish_at(
    queue: Queue, delivery_id: int, settings: Settings, when: datetime, attempt: int
) -> Job:
    """Schedule one delivery's next attempt for when the platform said to come back."""
    # A job id of its own: the running job's id is marked finished when it returns,
    # which would overwrite a job scheduled under the same id.
    return queue.enqueue_at(
        when,
        PUBLISH_DELIVERY,
        delivery_id,
        job_id=f"{PUBLISH_DELIVERY.rsplit('.', 1)[-1]}-{delivery_id}-after-{attempt}",
        retry=publish_retry(settings),
        result_ttl=FINISHED_JOB_SECONDS,
    )


def retry_intervals(retries: int, backoff: tuple[int, ...]) -> list[int]:
    """Return one wait per retry, the last repeated: RQ counts its list from the end."""
    # RQ picks intervals[len(intervals) - retries_left], so a list longer than the
    # number of retries would skip the short waits at the start.
    return (list(backoff) + [backoff[-1]] * retries)[:retries]


def enqueue_sms(queue: Queue, outbound_id: int) -> Job:
    """Enqueue the sending of one outbound text, retried if Twilio is briefly unavailable."""
    retry = Retry(max=3, interval=retry_intervals(3, SMS_BACKOFF))
    return enqueue_for_row(queue, SEND_SMS, outbound_id, retry=retry)


def enqueue_undo(queue: Queue, post_id: int) -> Job:
    """Enqueue taking one post down everywhere, retried while it is still being published."""
    retry = Retry(max=6, interval=retry_intervals(6, UNDO_BACKOFF))
    return enqueue_for_row(queue, UNDO_POST, post_id, retry=retry)


def enqueue_read_tag_posts(queue: Queue, event_id: int) -> Job:
    """Enqueue reading one event's hashtags for its wall (the next turn retries)."""
    return enqueue_for_row(queue, READ_TAG_POSTS, event_id)


def enqueue_read_mentions(queue: Queue, account_id: int) -> Job:
    """Enqueue reading one account's new replies and mentions (the next turn retries)."""
    return enqueue_for_row(queue, READ_MENTIONS, account_id)


def enqueue_sms_at(queue: Queue, outbound_id: int, when: datetime) -> Job:
    """Schedule one text's next try for when Twilio said to come back."""
    # A job id of its own, as for enqueue_publish_at: the running job's would be overwritten.
    job_id = f"{SEND_SMS.rsplit('.', 1)[-1]}-{outbound_id}-at-{int(when.timestamp())}"
    return queue.enqueue_at(
        when, SEND_SMS, outbound_id, job_id=job_id, result_ttl=FINISHED_JOB_SECONDS
    )


def enqueue_broadcast(queue: Queue, broadcast_id: int, turn: int = 0) -> Job:
    """Enqueue sending a broadcast's waiting texts, paced; `turn` > 0 carries one on."""
    if turn == 0:
        return enqueue_for_row(queue, SEND_BROADCAST, broadcast_id)
    # A job id of its own, as for enqueue_publish_at: the running job's would be overwritten.
    job_id = f"{SEND_BROADCAST.rsplit('.', 1)[-1]}-{broadcast_id}-turn-{turn}"
    return queue.enqueue(
        SEND_BROADCAST, broadcast_id, turn, job_id=job_id, result_ttl=FINISHED_JOB_SECONDS
    )


def enqueue_text_person(queue: Queue, person_id: int, what: str, detail: str = "") -> Job:
    """Enqueue a text the console asked for; retried if Twilio is briefly unavailable."""
    retry = Retry(max=3, interval=retry_intervals(3, SMS_BACKOFF))
    job_id = f"text_person-{what}-{person_id}-{uuid.uuid4().hex[:8]}"
    return queue.enqueue(
        TEXT_PERSON,
        person_id,
        what,
        detail,
        job_id=job_id,
        retry=retry,
        result_ttl=FINISHED_JOB_SECONDS,
    )
