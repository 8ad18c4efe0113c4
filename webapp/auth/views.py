"""Signing in and out, and changing one's password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash

from webapp.audit import record
from webapp.auth import bp
from webapp.auth.forms import PasswordForm, SignInForm
from webapp.auth.service import AccountError, Throttled, authenticate, known_username, set_password
from webapp.extensions import db
from webapp.models import User

FAILED = "The username or password is wrong."


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this app, never another site."""
    if target and _is_local_path(target):
        return request.script_root + target
    return url_for("index")


def _is_local_path(target: str) -> bool:
    """Whether target is a path on this host, as every browser would read it."""
    # Browsers drop tabs and newlines and read a backslash as a slash, so "/\t/x" and "/\\x"
    # mean "//x", another host; control characters would also split the Location header.
    if any(char < " " or char in "\x7f\\" for char in target):
        return False
    parts = urlsplit(target)
    return (not parts.scheme and not parts.netloc and target.startswith("/")
            and not target.startswith("//"))


@bp.get("/sign-in")
def sign_in():
    """The sign-in page."""
    form = SignInForm(formdata=None, next=request.args.get("next", ""))
    return render_template("auth/sign_in.html", form=form)


@bp.post("/sign-in")
def submit_sign_in():
    """Check the credentials; a new session on success, one generic message otherwise."""
    form = SignInForm()
    if not form.validate():
        return render_template("auth/sign_in.html", form=form), 422
    try:
        user = authenticate(form.username.data, form.password.data, request.remote_addr)
    except Throttled as throttled:
        record("sign_in_throttled", known_username(form.username.data),
               {"wait_seconds": throttled.seconds}, actor=None)
        message = (f"Too many failed sign-ins. Wait {throttled.seconds} seconds and try "
                   "again.")
        response = render_template("auth/sign_in.html", form=form, error=message)
        return response, 429, {"Retry-After": str(throttled.seconds)}
    if user is None:
        record("sign_in_failed", known_username(form.username.data), actor=None)
        return render_template("auth/sign_in.html", form=form, error=FAILED), 401
    session.clear()  # a fresh session: nothing from before signing in carries over
    session.permanent = True
    session["user_id"], session["epoch"] = user.id, user.session_epoch
    record("sign_in", user.username, actor=user.username)
    return redirect(_safe_next(form.next.data), code=303)


@bp.post("/sign-out")
def sign_out():
    """End this session."""
    record("sign_out", g.user.username)
    session.clear()
    return redirect(url_for("auth.sign_in"), code=303)


@bp.get("/account/password")
def password_page():
    """The form to change one's password."""
    return render_template("auth/password.html", form=PasswordForm(formdata=None))


@bp.post("/account/password")
def change_password():
    """Change the signed-in user's password; other sessions end, this one goes on."""
    form = PasswordForm()
    user = db.session.get(User, g.user.id)
    if user.password_hash is None:
        return render_template("auth/password.html", form=form,
                               error="Your reverse proxy signs you in: it has no password "
                                     "here."), 422
    if form.validate() and not check_password_hash(user.password_hash, form.current.data):
        form.current.errors = ["The current password is wrong."]
    if form.errors:
        return render_template("auth/password.html", form=form), 422
    try:
        set_password(user, form.new.data)
    except AccountError as error:
        form.new.errors = [str(error)]
        return render_template("auth/password.html", form=form), 422
    session["epoch"] = user.session_epoch
    record("password_changed", user.username)
    return render_template("auth/password.html", form=PasswordForm(formdata=None),
                           done=True)
