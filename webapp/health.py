"""/healthz: a cheap liveness and database check for load balancers and reverse proxies."""

from flask import Blueprint
from sqlalchemy import text

from webapp.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 "ok" when the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
