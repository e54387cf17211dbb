"""Admin: the console's sign-ins — add one, reset a password, change a role, switch one off."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from gateway.console.access import admin_required, log_action, me
from gateway.console.forms import ButtonForm, PasswordResetForm, RoleForm, StaffAddForm
from gateway.services import services
from store.db import transaction
from store.models import Staff
from store.staff import StaffError, add_staff, end_sessions, set_password

bp = Blueprint("staff", __name__, url_prefix="/console/staff")


@bp.get("/")
@admin_required
def listing() -> tuple[str, int]:
    """List every sign-in, with the form to add one."""
    return render_staff(StaffAddForm())


def render_staff(form: StaffAddForm, status: int = 200) -> tuple[str, int]:
    """The list of sign-ins and the add form (with its errors, if any)."""
    with services().sessions() as session:
        everyone = session.scalars(select(Staff).order_by(Staff.email)).all()
    return render_template("console/staff_list.html", everyone=everyone, form=form), status


@bp.post("/")
@admin_required
def add() -> Response | tuple[str, int]:
    """Add a sign-in with a first password, to be handed over in person and changed."""
    form = StaffAddForm()
    if not form.validate_on_submit():
        return render_staff(form, 400)
    try:
        with transaction(services().sessions) as session:
            staff = add_staff(session, form.email.data or "", form.role.data, form.new.data or "")
            log_action(session, "staff added", staff.email, f"role {staff.role}")
    except StaffError as exc:
        form.email.errors = [f"{exc}."]
        return render_staff(form, 400)
    flash(f"Added {staff.email} as {staff.role}. Give them the password in person.")
    return redirect(url_for("staff.listing"))


@bp.get("/<int:staff_id>")
@admin_required
def member(staff_id: int) -> str:
    """One sign-in: its role, its state, and the forms that change them."""
    return render_member(staff_id, PasswordResetForm(), RoleForm())


def render_member(staff_id: int, reset: PasswordResetForm, role: RoleForm) -> str:
    """The page of one sign-in, with the given forms."""
    with services().sessions() as session:
        staff = session.get(Staff, staff_id)
        if staff is None:
            abort(404)
    role.role.data = role.role.data or staff.role
    return render_template(
        "console/staff_member.html",
        staff=staff,
        reset=reset,
        role=role,
        button=ButtonForm(),
        is_me=staff.id == me().id,
    )


@bp.post("/<int:staff_id>/password")
@admin_required
def reset_password(staff_id: int) -> Response | tuple[str, int]:
    """Set another's password (they are signed out everywhere)."""
    form = PasswordResetForm()
    if not form.validate_on_submit():
        return render_member(staff_id, form, RoleForm()), 400
    with transaction(services().sessions) as session:
        staff = session.get(Staff, staff_id) or abort(404)
        set_password(staff, form.new.data or "")
        log_action(session, "password reset", staff.email)
    flash(f"{staff.email} has a new password; give it to them in person.")
    return redirect(url_for("staff.member", staff_id=staff_id))


@bp.post("/<int:staff_id>/role")
@admin_required
def change_role(staff_id: int) -> Response | tuple[str, int]:
    """Make a sign-in an admin or an organiser (not one's own: an admin cannot lock out all)."""
    form = RoleForm()
    if not form.validate_on_submit():
        return render_member(staff_id, PasswordResetForm(), form), 400
    if staff_id == me().id:
        flash("You cannot change your own role: ask another admin.")
        return redirect(url_for("staff.member", staff_id=staff_id))
    with transaction(services().sessions) as session:
        staff = session.get(Staff, staff_id) or abort(404)
        if staff.role != form.role.data:
            log_action(session, "role changed", staff.email, f"{staff.role} to {form.role.data}")
            staff.role = form.role.data
    flash(f"{staff.email} is now {staff.role}.")
    return redirect(url_for("staff.member", staff_id=staff_id))


@bp.post("/<int:staff_id>/active")
@admin_required
def switch(staff_id: int) -> Response:
    """Switch a sign-in off (it is signed out at once) or back on."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    if staff_id == me().id:
        flash("You cannot switch yourself off: ask another admin.")
        return redirect(url_for("staff.member", staff_id=staff_id))
    with transaction(services().sessions) as session:
        staff = session.get(Staff, staff_id) or abort(404)
        staff.active = not staff.active
        if not staff.active:
            end_sessions(staff)  # switched on again later, they must sign in again
        log_action(
            session, "staff switched on" if staff.active else "staff switched off", staff.email
        )
    flash(f"{staff.email} is switched {'on' if staff.active else 'off'}.")
    return redirect(url_for("staff.member", staff_id=staff_id))
