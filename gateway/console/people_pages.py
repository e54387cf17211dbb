"""Admin: people and their phones — find, add, rename, switch off and on, unlock, new code."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from redis.exceptions import RedisError
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from gateway.console.access import admin_required, log_action
from gateway.console.forms import ButtonForm, NameForm, PersonAddForm
from gateway.console.words import TEXT_KINDS, UNLINKED, account_health, platform_name
from gateway.services import services
from store.codes import MAX_WRONG_CODES
from store.db import transaction
from store.models import Account, Delivery, OutboundMessage, Person, Post, utcnow
from store.phones import InvalidPhone, normalise_phone
from store.queueing import CONFIRM_CODE, enqueue_text_person

bp = Blueprint("people", __name__, url_prefix="/console/people")

PAGE_SIZE = 50
LAST_POSTS = 10
LAST_TEXTS = 20


@bp.get("/")
@admin_required
def listing() -> tuple[str, int]:
    """Everyone registered, or those whose name or phone has the search words."""
    return render_people(PersonAddForm())


def render_people(form: PersonAddForm, status: int = 200) -> tuple[str, int]:
    """The list of people (searched, if asked) and the add form."""
    words = request.args.get("q", "").strip()
    query = select(Person).options(selectinload(Person.accounts)).order_by(Person.name)
    if words:
        digits = "".join(ch for ch in words if ch.isdigit())
        matches = [Person.name.icontains(words, autoescape=True)]
        if digits:
            matches.append(Person.phone.contains(digits, autoescape=True))
        query = query.where(or_(*matches))
    with services().sessions() as session:
        people = session.scalars(query.limit(PAGE_SIZE)).all()
        total = session.scalar(select(func.count()).select_from(Person))
    page = render_template(
        "console/people.html",
        people=people,
        words=words,
        total=total,
        form=form,
        limit=PAGE_SIZE,
        platform_name=platform_name,
    )
    return page, status


@bp.post("/")
@admin_required
def add() -> Response | tuple[str, int]:
    """Register a person by phone; a code is texted for them to text back."""
    form = PersonAddForm()
    if not form.validate_on_submit():
        return render_people(form, 400)
    settings = services().settings
    try:
        phone = normalise_phone(form.phone.data or "", settings.default_region)
    except InvalidPhone as exc:
        form.phone.errors = [f"{exc}."]
        return render_people(form, 400)
    name = (form.name.data or "").strip()
    try:
        with transaction(services().sessions) as session:
            person = Person(phone=phone, name=name)
            session.add(person)
            session.flush()
            log_action(session, "person added", phone, name)
    except IntegrityError:
        form.phone.errors = [f"{phone} is already registered."]
        return render_people(form, 400)
    flash(f"Added {name} ({phone}). " + text_code(person.id))
    return redirect(url_for("people.person", person_id=person.id))


def text_code(person_id: int) -> str:
    """Ask a worker to text the person a new code; say in words whether that worked."""
    try:
        enqueue_text_person(services().queue, person_id, CONFIRM_CODE)
    except RedisError:
        return "The code could not be queued just now: use “Text a new code” in a minute."
    return "A code is being texted to the phone: it can post once the code is texted back."


@bp.get("/<int:person_id>")
@admin_required
def person(person_id: int) -> str:
    """One person: their phone's state, accounts and health, last posts and texts."""
    with services().sessions() as session:
        found = session.get(Person, person_id) or abort(404)
        return render_template(
            "console/person.html",
            person=found,
            accounts=accounts_with_health(session, found),
            posts=last_posts(session, found),
            texts=session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.to_phone == found.phone)
                .order_by(OutboundMessage.id.desc())
                .limit(LAST_TEXTS)
            ).all(),
            name_form=NameForm(name=found.name),
            button=ButtonForm(),
            platform_name=platform_name,
            text_kinds=TEXT_KINDS,
            max_wrong_codes=MAX_WRONG_CODES,
            paused=found.posting_paused_until is not None and found.posting_paused_until > utcnow(),
        )


@dataclass(frozen=True)
class AccountHealth:
    """An account as its person's page shows it."""

    id: int
    status: str
    platform: str
    handle: str
    health: str  # in words
    ok: bool
    last_error: str


def accounts_with_health(session: Session, person: Person) -> list[AccountHealth]:
    """Each account with its health in words and its last delivery error, if any."""
    rows = []
    for account in person.accounts:
        last_error = session.scalar(
            select(Delivery.last_error)
            .where(Delivery.account_id == account.id, Delivery.last_error.is_not(None))
            .order_by(Delivery.id.desc())
            .limit(1)
        )
        health, ok = account_health(account.status, account.token_expires_at, utcnow())
        rows.append(
            AccountHealth(
                id=account.id,
                status=account.status,
                platform=platform_name(account.platform),
                handle=account.handle,
                health=health,
                ok=ok,
                last_error=last_error or "",
            )
        )
    return rows


def last_posts(session: Session, person: Person) -> list[Post]:
    """The person's latest posts, each with its deliveries loaded."""
    return list(
        session.scalars(
            select(Post)
            .where(Post.person_id == person.id)
            .options(selectinload(Post.deliveries).selectinload(Delivery.account))
            .order_by(Post.id.desc())
            .limit(LAST_POSTS)
        )
    )


@bp.post("/<int:person_id>/name")
@admin_required
def rename(person_id: int) -> Response:
    """Change the name the admin knows them by."""
    form = NameForm()
    if not form.validate_on_submit():
        flash("A name is needed.")
        return redirect(url_for("people.person", person_id=person_id))
    with transaction(services().sessions) as session:
        found = session.get(Person, person_id) or abort(404)
        log_action(session, "person renamed", found.phone, f"{found.name} to {form.name.data}")
        found.name = (form.name.data or "").strip()
    flash("Name saved.")
    return redirect(url_for("people.person", person_id=person_id))


@bp.post("/<int:person_id>/active")
@admin_required
def switch(person_id: int) -> Response:
    """Switch the phone off (nothing it texts is posted, from its next text) or on."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    with transaction(services().sessions) as session:
        found = session.get(Person, person_id) or abort(404)
        found.active = not found.active
        state = "on" if found.active else "off"
        log_action(session, f"phone switched {state}", found.phone)
    if found.active:
        flash(f"{found.phone} is switched on: its texts are posted again.")
    else:
        flash(f"{found.phone} is switched off: from its next text on, nothing it texts is posted.")
    return redirect(url_for("people.person", person_id=person_id))


@bp.post("/<int:person_id>/unlock")
@admin_required
def unlock(person_id: int) -> Response:
    """Let them post again after too many wrong PINs."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    with transaction(services().sessions) as session:
        found = session.get(Person, person_id) or abort(404)
        found.posting_locked_at = found.posting_paused_until = None
        found.pin_failures, found.pin_pauses = 0, 0
        log_action(session, "phone unlocked", found.phone)
    flash(f"Unlocked {found.phone}: it can post again with its PIN.")
    return redirect(url_for("people.person", person_id=person_id))


@bp.post("/<int:person_id>/code")
@admin_required
def new_code(person_id: int) -> Response:
    """Text an unconfirmed phone a new code (the old one stops working)."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    with transaction(services().sessions) as session:
        found = session.get(Person, person_id) or abort(404)
        if found.phone_confirmed_at is not None:
            flash(f"{found.phone} is already confirmed: it needs no code.")
            return redirect(url_for("people.person", person_id=person_id))
        log_action(session, "code sent", found.phone)
    flash(text_code(person_id))
    return redirect(url_for("people.person", person_id=person_id))


@bp.post("/<int:person_id>/accounts/<int:account_id>/unlink")
@admin_required
def unlink(person_id: int, account_id: int) -> Response:
    """Unlink an account: its credentials are erased and nothing more is posted there."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    with transaction(services().sessions) as session:
        account = session.get(Account, account_id)
        if account is None or account.person_id != person_id:
            abort(404)
        account.credentials = ""
        account.status = UNLINKED
        account.token_expires_at = None
        phone = session.get_one(Person, person_id).phone
        where = f"{platform_name(account.platform)} @{account.handle}"
        log_action(session, "account unlinked", phone, where)
    flash(f"Unlinked {where}: nothing more is posted there. Linking it again brings it back.")
    return redirect(url_for("people.person", person_id=person_id))
