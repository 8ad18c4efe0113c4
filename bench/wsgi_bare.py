"""The app as `make run` serves it, plus a bare route: the yardstick of the page benchmark."""

from webapp import create_app
from webapp.auth import guard

app = create_app()


@app.get("/bench/bare")
def bare():
    """A Flask route doing nothing: what the framework and server alone cost."""
    return "ok"


guard.PUBLIC.add("bare")  # no sign-in, no user lookup: the yardstick stays bare
