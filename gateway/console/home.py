"""The console's front page: what needs attention, and the way to each part."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import func, select

from gateway.console.access import me
from gateway.console.event_pages import zone
from gateway.services import services
from store.models import Event, HeldPost, Person

bp = Blueprint("home", __name__, url_prefix="/console")


@bp.get("/")
@login_required
def front() -> str:
    """Show the signed-in person's part of the console."""
    who = me()
    with services().sessions() as session:
        query = select(Event).order_by(Event.starts_at.desc()).limit(20)
        if not who.is_admin:
            query = query.where(Event.organiser_id == who.id)  # their own, nobody else's
        events = session.scalars(query).all()
        counts = (
            {
                "people": session.scalar(select(func.count()).select_from(Person)),
                "held": session.scalar(select(func.count()).where(HeldPost.status == "held")),
            }
            if who.is_admin
            else {}
        )
    return render_template("console/home.html", who=who, events=events, counts=counts, zone=zone())
