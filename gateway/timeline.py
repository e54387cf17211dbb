"""GET /timeline: the built-in local platform's posts, newest first."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from gateway.services import services
from store.models import TimelineEntry

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
    return render_template("timeline.html", entries=entries)
