"""The audit log: who did what and when, append-only, shown to admins."""

from __future__ import annotations

from flask import Blueprint, g, has_request_context, request

from webapp.extensions import db
from webapp.models import AuditEvent

bp = Blueprint("audit", __name__)


def record(action: str, target: str | None = None, details: dict | None = None, *,
           actor: str | None = None, commit: bool = True) -> AuditEvent:
    """Append one entry: names of what changed and outcomes, never values or secrets."""
    if actor is None and has_request_context() and getattr(g, "user", None) is not None:
        actor = g.user.username
    # Cut to the column: behind a misconfigured proxy the client chooses this value.
    address = (request.remote_addr or "")[:64] or None if has_request_context() else None
    event = AuditEvent(action=action, target=target, details=details or None, actor=actor,
                       address=address)
    db.session.add(event)
    if commit:
        db.session.commit()
    return event


from webapp.audit import views  # noqa: E402,F401  (routes register on bp)
