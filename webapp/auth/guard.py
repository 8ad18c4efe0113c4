"""The guard in front of every route: signed in to look, admin to change."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, jsonify, make_response, redirect, render_template, request, session
from flask import url_for as flask_url_for

from webapp import pagecache
from webapp.auth.proxy import proxy_user
from webapp.extensions import db
from webapp.models import User

PUBLIC = {"auth.sign_in", "auth.submit_sign_in", "static", "health.healthz", "health.readyz"}
# What any signed-in user may post: their own session and password, and asking a
# provider for a pull request's state (it changes nothing but the history's record of it).
OWN_ACCOUNT = {"auth.sign_out", "auth.change_password", "deploy.refresh_request"}
ADMIN_PAGES = {"audit.events", "tokens.list_tokens"}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def init_app(app: Flask) -> None:
    """Register the guard; it runs before CSRF checks, so strangers only see the sign-in."""
    app.before_request(guard)

    @app.context_processor
    def current_user():
        user = getattr(g, "user", None)
        return {"current_user": user, "can_change": bool(user and user.is_admin)}


@dataclass(frozen=True)
class CurrentUser:
    """Who makes this request: a snapshot, valid however the request's session is used."""

    id: int
    username: str
    role: str
    has_password: bool

    @property
    def is_admin(self) -> bool:
        """Whether the user may change settings and deploy."""
        return self.role == "admin"


def signed_in_user() -> CurrentUser | None:
    """The user of this request: named by a trusted proxy, or signed in with this session."""
    user = proxy_user()
    if user is not None:
        return _snapshot(user)
    user_id = session.get("user_id")
    if not isinstance(user_id, int):
        return None
    # Read once per database version: any commit (a role or password change) reads anew.
    found = pagecache.remembered("users", user_id, lambda: _stored_user(user_id))
    if found is None:
        return None
    user, epoch = found
    # A password change bumps the epoch: older sessions end.
    return user if session.get("epoch") == epoch else None


def _stored_user(user_id: int) -> tuple[CurrentUser, int] | None:
    user = db.session.get(User, user_id)
    return (_snapshot(user), user.session_epoch) if user is not None else None


def _snapshot(user: User) -> CurrentUser:
    return CurrentUser(user.id, user.username, user.role, user.password_hash is not None)


def guard():
    """Refuse what the user may not do; let everything else through."""
    g.user = None
    if request.endpoint in PUBLIC or request.endpoint is None:
        return None
    if request.blueprint == "api":
        from webapp.api.auth import authenticate  # the API has doors of its own
        return authenticate()
    g.user = signed_in_user()
    if g.user is None:
        return _sign_in_required()
    changes = request.method not in READ_METHODS and request.endpoint not in OWN_ACCOUNT
    if (changes or request.endpoint in ADMIN_PAGES) and not g.user.is_admin:
        return _forbidden()
    return None


def wants_json() -> bool:
    """Whether the client asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def _sign_in_required():
    sign_in = flask_url_for("auth.sign_in", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 401)
        response.headers["HX-Redirect"] = sign_in
        return response
    if wants_json():
        return jsonify(error="Sign in first.", sign_in=sign_in), 401
    return redirect(sign_in, code=303)


def _forbidden():
    message = "Your account may look but not change: ask an admin."
    if wants_json():
        return jsonify(error=message), 403
    return render_template("error.html", title="Not allowed", message=message), 403
