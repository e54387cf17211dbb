"""Admin: what went wrong and what is waiting — failed deliveries, texts out, the queue."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from redis.exceptions import RedisError
from rq import Queue, Worker
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from gateway.console.access import admin_required, log_action
from gateway.console.forms import ButtonForm
from gateway.console.words import TEXT_KINDS, platform_name
from gateway.services import services
from store.db import transaction, update_rows
from store.models import Delivery, OutboundMessage, Post, utcnow
from store.queueing import enqueue_publish

bp = Blueprint("operations", __name__, url_prefix="/console/operations")

SHOWN = 50
TEXT_STATUSES = (
    "pending",
    "handing",
    "outbox",
    "queued",
    "sent",
    "delivered",
    "failed",
    "undelivered",
    "opted_out",
)
# Why a delivery failed, by its error kind, in words an admin can act on.
FAILURE_WORDS = {
    "auth": "the account needs linking again",
    "transient": "the platform did not answer in time, after every try",
    "content": "the platform refused the text",
}


@dataclass(frozen=True)
class QueueHealth:
    """The queue as an admin needs to see it; `error` when Redis could not be read."""

    waiting: int = 0
    failed: int = 0
    scheduled: int = 0
    oldest_seconds: int | None = None
    workers: int = 0
    error: str = ""


def queue_health(queue: Queue) -> QueueHealth:
    """Count what waits, what failed, and the workers alive, from Redis."""
    try:
        oldest = queue.get_jobs(0, 0)
        enqueued_at = oldest[0].enqueued_at if oldest else None
        age = int((utcnow() - enqueued_at).total_seconds()) if enqueued_at else None
        return QueueHealth(
            waiting=queue.count,
            failed=queue.failed_job_registry.count,
            scheduled=queue.scheduled_job_registry.count,
            oldest_seconds=age,
            workers=len(Worker.all(queue=queue)),
        )
    except RedisError as exc:
        return QueueHealth(error=f"Redis could not be read ({type(exc).__name__})")


@bp.get("/")
@admin_required
def overview() -> str:
    """Failed deliveries with a retry button, texts out by status, and the queue."""
    status = request.args.get("status", "")
    with services().sessions() as session:
        failed = session.scalars(
            select(Delivery)
            .where(Delivery.status == "failed")
            .options(
                selectinload(Delivery.account),
                selectinload(Delivery.post).selectinload(Post.person),
            )
            .order_by(Delivery.updated_at.desc())
            .limit(SHOWN)
        ).all()
        texts_query = select(OutboundMessage).order_by(OutboundMessage.id.desc()).limit(SHOWN)
        if status in TEXT_STATUSES:
            texts_query = texts_query.where(OutboundMessage.status == status)
        texts = session.scalars(texts_query).all()
        return render_template(
            "console/operations.html",
            failed=failed,
            texts=texts,
            status=status,
            statuses=TEXT_STATUSES,
            health=queue_health(services().queue),
            button=ButtonForm(),
            platform_name=platform_name,
            failure_words=FAILURE_WORDS,
            text_kinds=TEXT_KINDS,
        )


@bp.post("/deliveries/<int:delivery_id>/retry")
@admin_required
def retry(delivery_id: int) -> Response:
    """Try a failed delivery again; its person is texted where the post went once it ends."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    with transaction(services().sessions) as session:
        # Conditional: a delivery that is not failed (already retried) is left alone.
        reopened = update_rows(
            session,
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == "failed")
            .values(status="queued", attempts=0, last_error=None, error_kind=None, retry_at=None),
        )
        delivery = session.get(Delivery, delivery_id) or abort(404)
        if reopened:
            # Its person hears again where the post went, once this delivery ends.
            session.execute(update(Post).where(Post.id == delivery.post_id).values(replied_at=None))
            log_action(session, "delivery retried", f"delivery {delivery_id}")
    if not reopened:
        flash("That delivery is not failed any more: nothing was changed.")
        return redirect(url_for("operations.overview"))
    try:
        enqueue_publish(services().queue, delivery_id, services().settings)
        flash("Trying that delivery again; its person will be texted where the post went.")
    except RedisError:
        flash("Queued for another try: the sweeper will pick it up once Redis answers.")
    return redirect(url_for("operations.overview"))


def age_in_words(seconds: int | None) -> str:
    """'3 min' for the oldest waiting job's age; 'none waiting' when there is none."""
    if seconds is None:
        return "none waiting"
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


bp.add_app_template_filter(age_in_words, "age_in_words")
