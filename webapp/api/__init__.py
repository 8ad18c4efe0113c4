"""The JSON API, /api/v1/: the same services the pages use, for pipelines and the CLI.

Its description is /api/v1/openapi.json, derived from these very routes (openapi.py).
"""

from flask import Blueprint

from webapp.api import errors

bp = Blueprint("api", __name__, url_prefix="/api/v1")
errors.init_app(bp)

from webapp.api import auth, configs, deploys, docs, history, reviews  # noqa: E402,F401

bp.after_request(auth.record_use)
