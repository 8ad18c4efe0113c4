"""Error pages that tell the user what to do next."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from webapp.api.errors import is_api_request, unrouted_response


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        message = ("This form expired or did not come from this site. Reload the page and "
                   "submit it again.")
        return render_template("error.html", title="Form expired", message=message), 400

    @app.errorhandler(500)
    def server_error(_error):
        message = ("Something went wrong on our side; nothing half-done was stored. Try "
                   "again, and if it keeps happening, the server's log says what failed.")
        return render_template("error.html", title="Server error", message=message), 500

    @app.errorhandler(404)
    def not_found(error):
        if is_api_request():
            return unrouted_response(error)
        return render_template("error.html", title="Not found",
                               message="There is no page at this address."), 404

    @app.errorhandler(413)
    def too_large(error):
        if is_api_request():
            return unrouted_response(error)
        message = ("What you sent is larger than 1 MiB, far more than any field takes: "
                   "nothing was saved. Shorten it (values stop at 256 KiB, a CA bundle at "
                   "64 KiB) and submit again.")
        return render_template("error.html", title="Too large", message=message), 413

    @app.errorhandler(405)
    def not_allowed(error):
        if is_api_request():
            return unrouted_response(error)
        return error
