"""Signing in and out, and changing one's own password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from gateway.console.access import log_action, me, signed_in
from gateway.console.forms import ButtonForm, PasswordChangeForm, SignInForm
from gateway.console.limits import UNAUTHORIZED, per_account, per_address
from gateway.services import services
from store.db import transaction
from store.models import Staff
from store.staff import StaffError, find_staff, password_matches, set_password, spend_a_check

bp = Blueprint("auth", __name__, url_prefix="/console")

REFUSED = "That email and password do not match a sign-in."


@bp.route("/sign-in", methods=["GET", "POST"])
@per_address
@per_account
def sign_in() -> Response | str | tuple[str, int]:
    """Show the sign-in form; sign in on the right email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("home.front"))
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("console/sign_in.html", form=form)
    email = form.email.data or ""
    # The password is checked outside any transaction: argon2 takes tens of
    # milliseconds, and on SQLite a transaction holds the database's write lock.
    with services().sessions() as session:
        staff = find_staff(session, email)
        if staff is not None:
            session.expunge(staff)
    known_hash = staff.password_hash if staff is not None else ""
    if staff is None:
        spend_a_check()
    right = staff is not None and staff.active and password_matches(staff, form.password.data or "")
    with transaction(services().sessions) as session:
        if not right or staff is None:
            log_action(session, "sign-in refused", email.strip().lower()[:254])
            form.password.errors = [REFUSED]
            return render_template("console/sign_in.html", form=form), UNAUTHORIZED
        stored = session.get_one(Staff, staff.id)
        if staff.password_hash != known_hash and stored.password_hash == known_hash:
            stored.password_hash = staff.password_hash  # rehashed: the parameters grew
        who = signed_in(stored)
        login_user(who)
        log_action(session, "sign-in", who.email)
    return redirect(safe_next(request.args.get("next")))


def safe_next(target: str | None) -> str:
    """Return where to go after signing in: a path on this site, never another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/console"):
            return target
    return url_for("home.front")


@bp.post("/sign-out")
@login_required
def sign_out() -> Response:
    """Sign out and go back to the sign-in page."""
    if ButtonForm().validate_on_submit():
        with transaction(services().sessions) as session:
            log_action(session, "sign-out", me().email)
        logout_user()
        flash("Signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str | tuple[str, int]:
    """Change one's own password, which signs out one's other sessions."""
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return render_template("console/password.html", form=form)
    with transaction(services().sessions) as session:
        staff = session.get_one(Staff, me().id)
        if not password_matches(staff, form.current.data or ""):
            form.current.errors = ["That is not your current password."]
            return render_template("console/password.html", form=form), 400
        try:
            set_password(staff, form.new.data or "")
        except StaffError as exc:
            form.new.errors = [f"{exc}."]
            return render_template("console/password.html", form=form), 400
        log_action(session, "password changed", staff.email)
        login_user(signed_in(staff))  # this session goes on; the others end
    flash("Your password is changed. Other places you were signed in are signed out.")
    return redirect(url_for("home.front"))
