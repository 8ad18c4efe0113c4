"""API tokens: the admin page that makes and revokes them, and the service behind it."""

from flask import Blueprint

bp = Blueprint("tokens", __name__, url_prefix="/settings/api-tokens")

from webapp.tokens import views  # noqa: E402,F401  (routes register on bp)
