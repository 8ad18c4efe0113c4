"""Global Configuration › GitOps: choose, fill in and activate a git provider."""

from flask import Blueprint

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.app_template_filter("as_report")
def as_report(data: dict):
    """A stored validation report, for the stage list."""
    from webapp.validation import Report
    return Report.from_json(data)


from webapp.settings import views  # noqa: E402,F401  (routes register on bp)
