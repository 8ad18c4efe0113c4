"""Deployment Template and Charts: deploy applications through the active git provider."""

from flask import Blueprint

bp = Blueprint("deploy", __name__)

from webapp.deploy import applications, review_views, views  # noqa: E402,F401  (routes)
