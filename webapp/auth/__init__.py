"""Who may change what: sign-in, roles, and the guard in front of every route."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from webapp.auth import views  # noqa: E402,F401  (routes register on bp)
