"""Events: organisers create and edit their own, admins all; attendees added by phone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from gateway.console.access import SignedIn, log_action, me
from gateway.console.forms import AttendeeForm, ButtonForm, EventForm
from gateway.services import services
from store.db import transaction
from store.events import (
    EventError,
    check_window,
    join_event,
    leave_event,
    normalise_code,
    parse_hashtags,
    parse_public_names,
)
from store.models import Attendance, Event, Person, Staff, utcnow
from store.phones import InvalidPhone, normalise_phone
from store.staff import ORGANISER

bp = Blueprint("events", __name__, url_prefix="/console/events")

NOBODY = 0  # the owner choice for an event no organiser's sign-in owns


def zone() -> ZoneInfo:
    """The time zone events are read and shown in."""
    return ZoneInfo(services().settings.timezone)


def own_event(session: Session, code: str, who: SignedIn) -> Event:
    """Return the event with this code if it is theirs to open (403 if not, 404 if none)."""
    event = session.scalar(select(Event).where(Event.code == code.upper()))
    if event is None:
        abort(404)
    if not who.is_admin and event.organiser_id != who.id:
        abort(403)
    return event


@bp.get("/")
@login_required
def listing() -> str:
    """The events this person may open."""
    who = me()
    query = select(Event).order_by(Event.starts_at.desc())
    if not who.is_admin:
        query = query.where(Event.organiser_id == who.id)
    with services().sessions() as session:
        found = session.scalars(query).all()
    return render_template("console/events.html", events=found, zone=zone())


def prepare(form: EventForm, who: SignedIn, session: Session) -> None:
    """Offer admins the organisers to own the event; organisers own what they make."""
    if who.is_admin:
        organisers = session.scalars(
            select(Staff).where(Staff.role == ORGANISER).order_by(Staff.email)
        ).all()
        form.owner.choices = [(NOBODY, "nobody (admins only)")] + [
            (staff.id, staff.email) for staff in organisers
        ]
    else:
        del form.owner


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Response | str | tuple[str, int]:
    """Create an event."""
    who = me()
    form = EventForm()
    with services().sessions() as session:
        prepare(form, who, session)
    if not form.validate_on_submit():
        return render_template("console/event_form.html", form=form, zone=zone())
    event = Event(organiser_id=who.id if not who.is_admin else None)
    if not fill(event, form, who):
        return render_template("console/event_form.html", form=form, zone=zone()), 400
    try:
        with transaction(services().sessions) as session:
            session.add(event)
            log_action(session, "event created", event.code, f"{event.name}; {event.hashtags}")
    except IntegrityError:
        form.code.errors = [f"The code {event.code} is already taken: choose another."]
        return render_template("console/event_form.html", form=form, zone=zone()), 400
    flash(f"Created {event.code}. People join it by texting JOIN {event.code}.")
    return redirect(url_for("events.event", code=event.code))


def fill(event: Event, form: EventForm, who: SignedIn) -> bool:
    """Copy the form into the event; put the reason on the field and return False if wrong."""
    try:
        code = normalise_code(form.code.data or "")
    except EventError as exc:
        form.code.errors = [f"{exc}."]
        return False
    try:
        tags = parse_hashtags(form.hashtags.data or "", marked=True)
    except EventError as exc:
        form.hashtags.errors = [f"{exc}."]
        return False
    if not tags:
        form.hashtags.errors = ["Give at least one hashtag."]
        return False
    try:
        public_names = parse_public_names(form.public_names.data or "")
    except EventError as exc:
        form.public_names.errors = [f"{exc}."]
        return False
    starts_at, ends_at = as_utc(form.starts.data), as_utc(form.ends.data)
    try:
        check_window(starts_at, ends_at)
    except EventError as exc:
        form.ends.errors = [f"{str(exc).capitalize()}."]
        return False
    event.code, event.name = code, (form.name.data or "").strip()
    event.organiser = (form.organiser.data or "").strip()
    event.hashtags = " ".join(tags)
    event.starts_at, event.ends_at = starts_at, ends_at
    event.check_confidentiality = bool(form.check_confidentiality.data)
    event.hold_photos = bool(form.hold_photos.data)
    event.public_names = "\n".join(public_names)
    if who.is_admin:
        event.organiser_id = form.owner.data or None
    return True


def as_utc(local: datetime | None) -> datetime:
    """Read a time typed in the console's time zone as UTC."""
    assert local is not None  # the field is required
    return local.replace(tzinfo=zone()).astimezone(ZoneInfo("UTC"))


class NotSaved(Exception):
    """The form was wrong: roll the transaction back; the reasons are on the form."""


@bp.route("/<code>", methods=["GET", "POST"])
@login_required
def event(code: str) -> Response | tuple[str, int]:
    """One event: its details to edit, and who is attending."""
    who = me()
    form = EventForm()
    with services().sessions() as session:
        found = own_event(session, code, who)
        prepare(form, who, session)
        if not form.is_submitted():
            show(found, form, who)
    if not form.validate_on_submit():
        return render_event(code, form, AttendeeForm(), 400 if form.is_submitted() else 200)
    try:
        with transaction(services().sessions) as session:
            found = own_event(session, code, who)
            if not fill(found, form, who):
                raise NotSaved
            session.flush()
            log_action(
                session,
                "event edited",
                found.code,
                f"{found.name}; {found.hashtags}; {len(found.public_name_list)} public names; "
                f"photos {'held' if found.hold_photos else 'not held'}",
            )
    except NotSaved:
        return render_event(code, form, AttendeeForm(), 400)
    except IntegrityError:
        form.code.errors = [f"The code {form.code.data} is already taken: choose another."]
        return render_event(code, form, AttendeeForm(), 400)
    flash("Saved.")
    return redirect(url_for("events.event", code=found.code))


def show(event: Event, form: EventForm, who: SignedIn) -> None:
    """Put an event's details in the form, its times in the console's time zone."""
    form.code.data, form.name.data = event.code, event.name
    form.organiser.data, form.hashtags.data = event.organiser, event.hashtags
    form.starts.data = event.starts_at.astimezone(zone()).replace(tzinfo=None)
    form.ends.data = event.ends_at.astimezone(zone()).replace(tzinfo=None)
    form.check_confidentiality.data = event.check_confidentiality
    form.hold_photos.data = event.hold_photos
    form.public_names.data = event.public_names
    if who.is_admin:
        form.owner.data = event.organiser_id or NOBODY


def render_event(
    code: str, form: EventForm, attendee: AttendeeForm, status: int
) -> tuple[str, int]:
    """The event page: the edit form and the attendees."""
    with services().sessions() as session:
        found = own_event(session, code, me())
        attendees = session.execute(
            select(Person, Attendance.joined_at)
            .join(Attendance, Attendance.person_id == Person.id)
            .where(Attendance.event_id == found.id)
            .order_by(Person.name)
        ).all()
        page = render_template(
            "console/event.html",
            event=found,
            form=form,
            attendee=attendee,
            attendees=attendees,
            button=ButtonForm(),
            zone=zone(),
        )
    return page, status


@bp.post("/<code>/posting/<action>")
@login_required
def posting(code: str, action: str) -> Response:
    """The event's kill switch: pause its posting at once, or resume it; audited."""
    if action not in ("pause", "resume") or not ButtonForm().validate_on_submit():
        abort(400)
    with transaction(services().sessions) as session:
        event = own_event(session, code, me())
        event.posting_paused_at = utcnow() if action == "pause" else None
        log_action(session, f"event posting {action}d", event.code)
    flash(
        f"Posting at {event.code} is paused: nothing more goes out."
        if action == "pause"
        else f"Posting at {event.code} is back on."
    )
    return redirect(url_for("events.event", code=event.code))


@bp.post("/<code>/attendees")
@login_required
def add_attendee(code: str) -> Response | tuple[str, int]:
    """Put a registered phone on the event (it becomes the person's current event)."""
    who = me()
    form = AttendeeForm()
    if form.validate_on_submit():
        try:
            phone = normalise_phone(form.phone.data or "", services().settings.default_region)
        except InvalidPhone as exc:
            form.phone.errors = [f"{exc}."]
        else:
            with transaction(services().sessions) as session:
                found = own_event(session, code, who)
                person = session.scalar(select(Person).where(Person.phone == phone))
                if person is None:
                    form.phone.errors = [
                        f"No one is registered with {phone}: ask an admin to add them first."
                    ]
                else:
                    join_event(session, person, found)
                    log_action(session, "attendee added", found.code, phone)
                    flash(f"{person.name} ({phone}) is attending {found.code}.")
                    return redirect(url_for("events.event", code=found.code))
    edit = EventForm(formdata=None)
    with services().sessions() as session:
        found = own_event(session, code, who)
        prepare(edit, who, session)
        show(found, edit, who)
    return render_event(code, edit, form, 400)


@bp.post("/<code>/attendees/<int:person_id>/remove")
@login_required
def remove_attendee(code: str, person_id: int) -> Response:
    """Take a person off the event (their posts no longer get its hashtags)."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    with transaction(services().sessions) as session:
        found = own_event(session, code, me())
        person = session.get(Person, person_id) or abort(404)
        if leave_event(session, person, found):
            log_action(session, "attendee removed", found.code, person.phone)
            flash(f"{person.name} is no longer attending {found.code}.")
    return redirect(url_for("events.event", code=found.code))
