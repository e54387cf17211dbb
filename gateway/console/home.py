"""The console's front page: what needs attention, and the way to each part."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gateway.console.access import me
from gateway.console.event_pages import zone
from gateway.console.words import EXPIRY_WARNING, platform_name
from gateway.services import services
from store.models import Account, Event, HeldPost, Person, utcnow

bp = Blueprint("home", __name__, url_prefix="/console")


@bp.get("/")
@login_required
def front() -> str:
    """Show the signed-in person's part of the console: admins also what needs them."""
    who = me()
    with services().sessions() as session:
        query = select(Event).order_by(Event.starts_at.desc()).limit(20)
        if not who.is_admin:
            query = query.where(Event.organiser_id == who.id)  # their own, nobody else's
        events = session.scalars(query).all()
        attention = needs_attention(session) if who.is_admin else {}
    return render_template(
        "console/home.html",
        who=who,
        events=events,
        platform_name=platform_name,
        zone=zone(),
        **attention,
    )


def needs_attention(session: Session) -> dict[str, object]:
    """What an admin should see first: counts, and accounts that stopped working."""
    held = select(func.count()).where(HeldPost.status == "held", HeldPost.expires_at > utcnow())
    relink = (
        select(Account.platform, Account.handle, Person.id, Person.name)
        .join(Person, Person.id == Account.person_id)
        .where(
            or_(
                Account.status == "needs_relink",
                Account.token_expires_at <= utcnow() + EXPIRY_WARNING,
            )
        )
        .order_by(Person.name)
    )
    return {
        "people": session.scalar(select(func.count()).select_from(Person)),
        "held": session.scalar(held),
        "relink": session.execute(relink).all(),
    }
