"""Whom a browser is linking accounts for, and the one OAuth flow it has under way.

Both live in the signed session cookie: the person (for 30 minutes, set by an
admin's page or a redeemed code) and the flow's `state`, taken out on the way
back, so a callback works once and only in the browser that started it.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

from flask import abort, session
from flask_login import current_user

LINKING_SECONDS = 30 * 60
FLOW_SECONDS = 15 * 60  # from leaving for the platform to coming back
ADMIN = "admin"
PERSON = "person"


@dataclass(frozen=True)
class LinkingFor:
    """The person this browser links accounts for, and who started it."""

    person_id: int
    by: str  # ADMIN or PERSON
    until: float


@dataclass(frozen=True)
class Flow:
    """An OAuth flow under way: its platform, state, server and what it must remember."""

    platform: str
    state: str
    person_id: int
    server: str = ""
    verifier: str = ""  # PKCE's code_verifier, where the platform takes PKCE
    started: float = 0.0
    sealed: str = ""  # what must stay secret even from this browser (a DPoP key), sealed


def start_linking(person_id: int, by: str) -> None:
    """Let this browser link accounts for the person, for a while."""
    session["linking"] = asdict(LinkingFor(person_id, by, time.time() + LINKING_SECONDS))
    session.pop("oauth", None)


def linking_for() -> LinkingFor:
    """Whom this browser links for; 403 when nobody (or the time is up, or the admin left)."""
    found: dict[str, Any] | None = session.get("linking")
    if not found or found["until"] < time.time():
        abort(403)
    who = LinkingFor(**found)
    if who.by == ADMIN and not (current_user.is_authenticated and current_user.is_admin):
        abort(403)
    return who


def begin_flow(
    platform: str, person_id: int, server: str = "", verifier: str = "", sealed: str = ""
) -> Flow:
    """Start a flow with a fresh state, replacing any flow left unfinished."""
    flow = Flow(
        platform, secrets.token_urlsafe(32), person_id, server, verifier, time.time(), sealed
    )
    session["oauth"] = asdict(flow)
    return flow


def take_flow(platform: str, state: str) -> Flow | None:
    """Take out the flow this callback finishes; None if it is not this browser's, or old."""
    found: dict[str, Any] | None = session.pop("oauth", None)
    if not found:
        return None
    flow = Flow(**found)
    fresh = time.time() - flow.started < FLOW_SECONDS
    matches = flow.platform == platform and secrets.compare_digest(flow.state, state)
    return flow if fresh and matches else None
