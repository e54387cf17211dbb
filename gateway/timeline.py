"""GET /timeline: the built-in local platform's posts (and their photos), newest first."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, Response, abort, render_template
from sqlalchemy import select

from gateway.services import services
from store.models import TimelineEntry, TimelineImage

bp = Blueprint("timeline", __name__)

PAGE_SIZE = 100


@bp.get("/timeline")
def timeline() -> str:
    """Show the latest posts on the local timeline."""
    with services().sessions() as session:
        entries = session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.deleted_at.is_(None))
            .order_by(TimelineEntry.id.desc())
            .limit(PAGE_SIZE)
        ).all()
        images: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for image_id, entry_id, alt in session.execute(
            select(TimelineImage.id, TimelineImage.entry_id, TimelineImage.alt_text)
            .where(TimelineImage.entry_id.in_([entry.id for entry in entries]))
            .order_by(TimelineImage.entry_id, TimelineImage.position)
        ):
            images[entry_id].append((image_id, alt))
    return render_template("timeline.html", entries=entries, images=images)


@bp.get("/timeline/images/<int:image_id>")
def image(image_id: int) -> Response:
    """One photo of a timeline post, unless its post was deleted."""
    with services().sessions() as session:
        found = session.execute(
            select(TimelineImage.data, TimelineImage.content_type)
            .join(TimelineEntry, TimelineImage.entry_id == TimelineEntry.id)
            .where(TimelineImage.id == image_id, TimelineEntry.deleted_at.is_(None))
        ).one_or_none()
    if found is None:
        abort(404)
    data, content_type = found
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
