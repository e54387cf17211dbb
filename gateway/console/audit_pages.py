"""Admin: the audit log, filtered on the page and exported as CSV."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from sqlalchemy import Select, select

from gateway.console.access import admin_required
from gateway.console.forms import AuditFilterForm
from gateway.services import services
from gateway.spreadsheets import csv_download
from store.models import AuditEntry

bp = Blueprint("audit", __name__, url_prefix="/console/audit")

PAGE_SIZE = 200
COLUMNS = ("at", "actor", "action", "target", "detail", "address")


def filtered(form: AuditFilterForm) -> Select[AuditEntry]:
    """The entries the filter asks for, newest first (each field a case-blind 'contains')."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    for field, column in (
        (form.action, AuditEntry.action),
        (form.actor, AuditEntry.actor),
        (form.target, AuditEntry.target),
    ):
        if field.data and field.data.strip():
            query = query.where(column.icontains(field.data.strip(), autoescape=True))
    return query


@bp.get("/")
@admin_required
def log() -> str:
    """Show the latest entries that match the filter."""
    form = AuditFilterForm(formdata=request.args)
    with services().sessions() as session:
        entries = session.scalars(filtered(form).limit(PAGE_SIZE)).all()
    return render_template("console/audit.html", form=form, entries=entries, limit=PAGE_SIZE)


@bp.get("/audit.csv")
@admin_required
def export() -> Response:
    """Every entry that matches the filter, as CSV."""
    form = AuditFilterForm(formdata=request.args)
    with services().sessions() as session:
        rows = [
            [entry.at.isoformat(), *(getattr(entry, name) for name in COLUMNS[1:])]
            for entry in session.scalars(filtered(form))
        ]
    return csv_download(COLUMNS, rows, "audit-log.csv")
