"""Following an event by text: open or close it, the digest's hours, notices; audited.

The console's side of `smsbridge events followers|notify|notices`, in the same
words and audit actions. A notice is previewed first: its text as it will be
sent, who gets it, what it costs of the day's budget, and how long it takes.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway.console.access import log_action, me
from gateway.console.event_pages import own_event, zone
from gateway.console.forms import ButtonForm, DigestHoursForm, NoticeForm, SendNoticeForm
from gateway.console.words import duration
from gateway.services import services
from store.db import transaction
from store.models import Broadcast, Event, Follow, utcnow
from store.queueing import enqueue_broadcast
from workers.following.broadcasts import (
    WARN_AT,
    Cost,
    notice_cost,
    notice_recipients,
    progress,
    segments_used_today,
    start_broadcast,
    start_of_day,
)

bp = Blueprint("follower_pages", __name__, url_prefix="/console/events")

LEVELS = ("notices", "digest", "all")
SHOWN = 50  # broadcasts listed, newest first: a FOLLOW ALL event makes one a post
REFRESH_SECONDS = 5  # while one is sending, the page looks again this often (no JS)
# What opening and closing do, and the words the audit log and the page use.
OPENINGS = {
    "open": (True, "event opened to followers"),
    "close": (False, "event closed to followers"),
}


@bp.get("/<code>/followers")
@login_required
def followers(code: str) -> tuple[str, int]:
    """Who follows the event how, the day's texts, a notice to write, and what was sent."""
    return render_followers(code)


@bp.post("/<code>/followers/<any(open, close):action>")
@login_required
def open_or_close(code: str, action: str) -> Response:
    """Let anyone FOLLOW the event by text, or no one new."""
    opened, audited = OPENINGS[action]
    if not ButtonForm().validate_on_submit():
        abort(400)
    with transaction(services().sessions) as session:
        event = own_event(session, code, me())
        if event.open_to_followers != opened:
            event.open_to_followers = opened
            log_action(session, audited, event.code)
    if opened:
        flash(f"{event.code} is open to followers: anyone may text FOLLOW {event.code}.")
    else:
        flash(
            f"{event.code} is closed to followers: no one new may follow it, and digests and "
            "followed posts stop; notices still reach those who follow it."
        )
    return redirect(url_for("follower_pages.followers", code=event.code))


@bp.post("/<code>/followers/digest")
@login_required
def digest_hours(code: str) -> Response | tuple[str, int]:
    """Set the hours between the event's digests."""
    form = DigestHoursForm()
    if not form.validate_on_submit() or form.hours.data is None:
        return render_followers(code, digest=form, status=400)
    with transaction(services().sessions) as session:
        event = own_event(session, code, me())
        if event.digest_hours != form.hours.data:
            event.digest_hours = form.hours.data
            log_action(session, "digest hours set", event.code, str(form.hours.data))
    flash(f"Saved: a digest every {form.hours.data} hours to those who follow it for one.")
    return redirect(url_for("follower_pages.followers", code=event.code))


@bp.post("/<code>/followers/preview")
@login_required
def preview(code: str) -> tuple[str, int]:
    """Show a notice as it will be sent and what it costs; send nothing."""
    notice = NoticeForm()
    if not notice.validate_on_submit():
        return render_followers(code, notice=notice, status=400)
    with services().sessions() as session:
        event = own_event(session, code, me())
        cost = notice_cost(session, event, notice.words.data or "", services().settings, utcnow())
    return render_followers(code, notice=notice, cost=cost)


@bp.post("/<code>/followers/send")
@login_required
def send(code: str) -> Response | tuple[str, int]:
    """Send a previewed notice, counted again now: not to nobody, nor over the budget."""
    form = SendNoticeForm()
    if not form.validate_on_submit():
        abort(400)
    words = form.words.data or ""
    who = me()
    stored: tuple[int, int] | None = None  # the broadcast's id, and how many it goes to
    with transaction(services().sessions) as session:
        event = own_event(session, code, who)
        cost = notice_cost(session, event, words, services().settings, utcnow())
        refused = why_not_sent(event, cost)
        if refused is None:
            phones = notice_recipients(session, event)
            broadcast = start_broadcast(session, event, "notice", cost.text, phones, who.email)
            log_action(session, "notice sent", event.code, f"to {len(phones)}: {cost.text}")
            stored = (broadcast.id, len(phones))
    if stored is None:
        flash(f"{refused}: nothing was sent.")
        notice = NoticeForm(formdata=None, words=words)
        return render_followers(code, notice=notice, cost=cost, status=409)
    broadcast_id, count = stored
    try:
        enqueue_broadcast(services().queue, broadcast_id)
        flash(f"The notice is sending to {phones_in_words(count)}: see below.")
    except RedisError:
        flash(
            f"The notice is stored for {phones_in_words(count)}, but the queue is unreachable "
            "just now: the worker's sweeper will send it within a few minutes."
        )
    return redirect(url_for("follower_pages.followers", code=event.code))


def why_not_sent(event: Event, cost: Cost) -> str | None:
    """Why a notice may not go now, in words (as the CLI says it); None when it may."""
    if cost.recipients == 0:
        return f"Nobody follows or attends {event.code} yet"
    if cost.total > cost.left_today:
        return (
            f"That is {cost.total} segments and {event.code} has {cost.left_today} left today "
            "(EVENT_DAILY_SEGMENTS)"
        )
    return None


def render_followers(
    code: str,
    digest: DigestHoursForm | None = None,
    notice: NoticeForm | None = None,
    cost: Cost | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The followers page, with a notice's preview when there is one."""
    settings = services().settings
    now = utcnow()
    with services().sessions() as session:
        event = own_event(session, code, me())
        used = segments_used_today(session, event, settings, now)
        budget = settings.event_daily_segments
        sent = session.scalars(
            select(Broadcast)
            .where(Broadcast.event_id == event.id)
            .order_by(Broadcast.created_at.desc(), Broadcast.id.desc())
            .limit(SHOWN)
        ).all()
        sending = session.scalar(
            select(Broadcast.id)
            .where(Broadcast.event_id == event.id, Broadcast.status == "sending")
            .limit(1)
        )
        # Reloading only when asked (?watch=1), and never a preview: a page that reloads
        # itself unasked loses what its reader is typing, and fails WCAG 2.2.1.
        refresh = (
            sending is not None and request.method == "GET" and request.args.get("watch") == "1"
        )
        page = render_template(
            "console/event_followers.html",
            event=event,
            levels=follow_levels(session, event),
            digest=digest or DigestHoursForm(formdata=None, hours=event.digest_hours),
            notice=notice or NoticeForm(formdata=None),
            button=ButtonForm(),
            send_form=SendNoticeForm(formdata=None, words=notice.words.data if notice else ""),
            cost=cost,
            refused=why_not_sent(event, cost) if cost else None,
            pace=pace_in_words(cost.seconds, settings.sms_per_second) if cost else "",
            used=used,
            budget=budget,
            warn_percent=round(WARN_AT * 100),
            warned=used >= WARN_AT * budget,
            stopped=(
                event.budget_stopped_at is not None
                and event.budget_stopped_at >= start_of_day(now, settings)
            ),
            broadcasts=[(broadcast, progress(session, broadcast.id)) for broadcast in sent],
            sending=sending is not None,
            refresh=refresh,
            refresh_seconds=REFRESH_SECONDS,
            segments_each=settings.broadcast_segments,
            daily_cap=settings.follow_all_daily_cap,
            shown=SHOWN,
            phones_in_words=phones_in_words,
            zone=zone(),
        )
    return page, status


def follow_levels(session: Session, event: Event) -> dict[str, int]:
    """How many follow the event at each level (notices, digest, all), live follows only."""
    counts = dict(
        session.execute(
            select(Follow.level, func.count())
            .where(Follow.event_id == event.id, Follow.status == "active")
            .group_by(Follow.level)
        ).all()
    )
    return {level: int(counts.get(level, 0)) for level in LEVELS}


def phones_in_words(count: int) -> str:
    """Say how many phones: "1 phone", "12 phones"."""
    return f"{count} phone" if count == 1 else f"{count} phones"


def pace_in_words(seconds: int, per_second: float) -> str:
    """How long a broadcast takes at the sender's pace: "about 3 min at 1 segment a second"."""
    unit = "segment" if per_second == 1 else "segments"
    return f"about {duration(seconds)} at {per_second:g} {unit} a second"
