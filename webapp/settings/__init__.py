"""Global Configuration › GitOps: choose, fill in and activate a git provider."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")

from webapp.settings import views  # noqa: E402,F401  (routes register on bp)
