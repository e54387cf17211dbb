"""Who is signed in, and what their role lets them open."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort, request
from flask_login import LoginManager, current_user, login_required
from sqlalchemy.orm import Session

from gateway.services import services
from store import audit
from store.models import Staff
from store.staff import ADMIN

P = ParamSpec("P")
R = TypeVar("R")

login_manager = LoginManager()
login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to open that page."
login_manager.session_protection = "strong"


@dataclass(frozen=True)
class SignedIn:
    """The staff member behind a request, as Flask-Login wants them."""

    id: int
    email: str
    role: str
    stamp: int  # the sign-in's sessions_since, in microseconds

    is_authenticated = True
    is_active = True
    is_anonymous = False

    @property
    def is_admin(self) -> bool:
        """Say whether they may open everything."""
        return self.role == ADMIN

    def get_id(self) -> str:
        """The session's identity: the sign-in and when its sessions began to count."""
        return f"{self.id}:{self.stamp}"


def signed_in(staff: Staff) -> SignedIn:
    """Return the session identity for a staff row."""
    return SignedIn(staff.id, staff.email, staff.role, sessions_stamp(staff))


def sessions_stamp(staff: Staff) -> int:
    """When the sign-in's sessions began to count, as an integer, for the session identity."""
    return int(staff.sessions_since.timestamp() * 1_000_000)


@login_manager.user_loader
def load_signed_in(identity: str) -> SignedIn | None:
    """Return who a session belongs to, or None once the sign-in is off or its password new."""
    staff_id, _, stamp = identity.partition(":")
    if not (staff_id.isdigit() and stamp.isdigit()):
        return None
    with services().sessions() as session:
        staff = session.get(Staff, int(staff_id))
        if staff is None or not staff.active or sessions_stamp(staff) != int(stamp):
            return None
        return signed_in(staff)


def admin_required(view: Callable[P, R]) -> Callable[P, R]:
    """Let only admins open the page: others get 403, those signed out the sign-in page."""

    @wraps(view)
    @login_required
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return guarded


def me() -> SignedIn:
    """Return the signed-in staff member (only inside a login_required view)."""
    found: SignedIn = current_user._get_current_object()
    return found


def log_action(session: Session, action: str, target: str = "", detail: str = "") -> None:
    """Record an action by whoever is signed in, from this request's address."""
    actor = current_user.email if current_user.is_authenticated else "signed out"
    audit.record(session, actor, action, target, detail, request.remote_addr or "")
