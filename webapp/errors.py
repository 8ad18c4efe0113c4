"""Error pages that tell the user what to do next."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        message = ("This form expired or did not come from this site. Reload the page and "
                   "submit it again.")
        return render_template("error.html", title="Form expired", message=message), 400

    @app.errorhandler(404)
    def not_found(_error):
        return render_template("error.html", title="Not found",
                               message="There is no page at this address."), 404
