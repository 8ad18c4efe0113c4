"""Probes for load balancers and orchestrators: /healthz (alive) and /readyz (may serve)."""

from flask import Blueprint
from sqlalchemy import text

from webapp import readiness
from webapp.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 "ok" when the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """200 when every check passes, else 503 naming the failing ones; one entry per check."""
    checks = readiness.run()
    failing = [name for name, result in checks.items() if result["ok"] is False]
    ready = all(result["ok"] for result in checks.values())
    body = {"status": "ready" if ready else "not ready", "failing": failing, "checks": checks}
    return body, 200 if ready else 503, {"Cache-Control": "no-store"}
