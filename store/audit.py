"""The audit log: every console and admin action, with who, what, whom and from where."""

from __future__ import annotations

from sqlalchemy.orm import Session

from store.models import AuditEntry

CLI = "cli"  # the actor for what an admin does at the command line
SYSTEM = "system"


def record(
    session: Session,
    actor: str,
    action: str,
    target: str = "",
    detail: str = "",
    address: str = "",
) -> AuditEntry:
    """Add one entry to the log, in the caller's transaction (so it stands or falls with it)."""
    entry = AuditEntry(
        actor=actor, action=action, target=target, detail=detail, address=address[:64]
    )
    session.add(entry)
    return entry
