"""The audit log page (admins only)."""

from flask import render_template, request
from sqlalchemy import select

from webapp.audit import bp
from webapp.extensions import db
from webapp.models import AuditEvent

PAGE_SIZE = 100


@bp.get("/audit")
def events():
    """The newest entries first, a page at a time (?before=<id> for older ones)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(PAGE_SIZE)
    before = request.args.get("before", type=int)
    if before:
        query = query.where(AuditEvent.id < before)
    entries = list(db.session.scalars(query))
    older = entries[-1].id if len(entries) == PAGE_SIZE else None
    return render_template("audit/events.html", entries=entries, older=older)
