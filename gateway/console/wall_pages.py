"""Moderating an event's wall: public or not, paused or not, posts hidden or pinned; audited."""

from __future__ import annotations

import tempfile

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from gateway.console.access import log_action, me
from gateway.console.event_pages import own_event, zone
from gateway.console.forms import ButtonForm, TagPostsForm
from gateway.console.linking.grants import LinkRefused
from gateway.console.linking.mastodon import instance_url
from gateway.console.words import platform_name
from gateway.photo_archive import write_photos_zip
from gateway.services import services
from store.db import transaction
from store.models import Post, TagPost, utcnow
from store.wall import event_posts

bp = Blueprint("wall_pages", __name__, url_prefix="/console/events")

# What each button does to a post, and the words the audit log and the page use.
POST_ACTIONS = {
    "hide": ("wall_hidden_at", True, "wall post hidden", "Hidden from the wall"),
    "show": ("wall_hidden_at", False, "wall post shown", "Shown on the wall again"),
    "pin": ("wall_pinned_at", True, "wall post pinned", "Pinned to the top"),
    "unpin": ("wall_pinned_at", False, "wall post unpinned", "Unpinned"),
}
WALL_ACTIONS = {
    "pause": ("wall_paused_at", True, "wall paused", "The wall is paused: it shows no new posts"),
    "resume": ("wall_paused_at", False, "wall resumed", "The wall shows new posts again"),
    "public": ("wall_public", True, "wall made public", "Anyone with the address can watch"),
    "private": ("wall_public", False, "wall made private", "Only signed-in staff can watch"),
}


@bp.get("/<code>/wall")
@login_required
def moderate(code: str) -> str:
    """The event's posts, hidden ones too, with the buttons that moderate the wall."""
    with services().sessions() as session:
        event = own_event(session, code, me())
        posts = event_posts(session, event, with_hidden=True)
        tags = TagPostsForm(show=event.wall_tag_posts, mastodon_server=event.tag_mastodon_server)
        return render_template(
            "console/event_wall.html",
            event=event,
            posts=posts,
            tags=tags,
            button=ButtonForm(),
            platform_name=platform_name,
            zone=zone(),
            retain_days=services().settings.retain_days,
        )


@bp.get("/<code>/photos.zip")
@login_required
def photos_zip(code: str) -> Response:
    """Our copies of the event's photos, for its organiser or an admin who asks; audited."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 -- send_file closes it once sent
    try:
        with transaction(services().sessions) as session:
            event = own_event(session, code, me())
            count = write_photos_zip(session, event, spool, services().settings.retain_days)
            log_action(session, "photos downloaded", event.code, f"{count} photos")
            name = f"{event.code.lower()}-photos.zip"
    except BaseException:  # refused (403, 404) or failed: nothing will send it
        spool.close()
        raise
    spool.seek(0)
    return send_file(spool, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.post("/<code>/wall/posts/<key>/<action>")
@login_required
def moderate_post(code: str, key: str, action: str) -> Response:
    """Hide, show, pin or unpin one post of the event on its wall (texted, or from a tag)."""
    column, setting, audited, said = POST_ACTIONS.get(action) or abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    kind, number = key[:1], key[1:]
    if kind not in ("p", "t") or not number.isdigit():
        abort(404)
    with transaction(services().sessions) as session:
        event = own_event(session, code, me())
        post = session.get(Post, int(number)) if kind == "p" else session.get(TagPost, int(number))
        if post is None or post.event_id != event.id:
            abort(404)
        setattr(post, column, utcnow() if setting else None)
        log_action(session, audited, event.code, f"post {key}")
    flash(f"{said}.")
    return redirect(url_for("wall_pages.moderate", code=event.code))


@bp.post("/<code>/wall/<action>")
@login_required
def moderate_wall(code: str, action: str) -> Response:
    """Pause or resume the wall; make it public or private."""
    column, setting, audited, said = WALL_ACTIONS.get(action) or abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    with transaction(services().sessions) as session:
        event = own_event(session, code, me())
        value = setting if column == "wall_public" else (utcnow() if setting else None)
        setattr(event, column, value)
        log_action(session, audited, event.code)
    flash(f"{said}.")
    return redirect(url_for("wall_pages.moderate", code=event.code))


@bp.post("/<code>/wall/tags")
@login_required
def tag_posts(code: str) -> Response:
    """Show (or not) everyone's public posts on the event's hashtags, read from where."""
    form = TagPostsForm()
    if not form.validate_on_submit():
        abort(400)
    server = ""
    if form.mastodon_server.data:
        try:
            production = services().settings.env == "production"
            server = instance_url(form.mastodon_server.data, production)
        except LinkRefused as exc:
            flash(f"Not saved: {exc}.")
            return redirect(url_for("wall_pages.moderate", code=code))
    with transaction(services().sessions) as session:
        event = own_event(session, code, me())
        event.wall_tag_posts = bool(form.show.data)
        event.tag_mastodon_server = server
        event.tags_read_at = None  # read at the next sweep
        detail = f"on; {server or 'no Mastodon server'}" if form.show.data else "off"
        log_action(session, "wall tag posts", event.code, detail)
    flash("Saved: posts on the hashtags show within a minute." if form.show.data else "Saved.")
    return redirect(url_for("wall_pages.moderate", code=event.code))
