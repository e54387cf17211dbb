"""Admin: posts held by the confidentiality check — who and why, never their words.

A held post may identify a client, so the console never shows it. Only its
author can release it (by texting YES); an admin can drop it, and the author is
texted that it was.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from redis.exceptions import RedisError
from sqlalchemy import select, update
from werkzeug.wrappers import Response

from gateway.console.access import admin_required, log_action
from gateway.console.forms import ButtonForm
from gateway.services import services
from store.db import transaction, update_rows
from store.models import HeldPost, Person, utcnow
from store.queueing import HELD_DROPPED, enqueue_text_person

bp = Blueprint("held", __name__, url_prefix="/console/held")


@bp.get("/")
@admin_required
def listing() -> str:
    """Every post still waiting for its author's YES: whose, why, and until when."""
    with services().sessions() as session:
        rows = session.execute(
            select(HeldPost.id, HeldPost.findings, HeldPost.created_at, HeldPost.expires_at)
            .add_columns(Person.id.label("person_id"), Person.name, Person.phone)
            .join(Person, Person.id == HeldPost.person_id)
            .where(HeldPost.status == "held", HeldPost.expires_at > utcnow())
            .order_by(HeldPost.id.desc())
        ).all()
    return render_template("console/held.html", held=rows, button=ButtonForm())


@bp.post("/<int:held_id>/drop")
@admin_required
def drop(held_id: int) -> Response:
    """Drop a held post (if it is still held) and text its author that it was dropped."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    with transaction(services().sessions) as session:
        # Conditional, as the author's own YES or next text is: whoever is first decides.
        dropped = update_rows(
            session,
            update(HeldPost)
            .where(HeldPost.id == held_id, HeldPost.status == "held")
            .values(status="dropped", decided_at=utcnow()),
        )
        held = session.get(HeldPost, held_id) or abort(404)
        phone = session.get_one(Person, held.person_id).phone
        if dropped:
            log_action(session, "held post dropped", phone, held.findings)
    if not dropped:
        flash(f"That post is no longer held (it was {held.status}): nothing was changed.")
        return redirect(url_for("held.listing"))
    try:
        enqueue_text_person(services().queue, held.person_id, HELD_DROPPED)
        told = "they are being texted that it was."
    except RedisError:
        told = "the text telling them could not be queued just now."
    flash(f"Dropped the post held for {phone}; {told}")
    return redirect(url_for("held.listing"))
