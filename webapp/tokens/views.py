"""The API tokens page (admins): make a token and see its secret once; revoke one."""

from datetime import UTC, datetime, time

from flask import abort, g, redirect, render_template, url_for

from webapp.tokens import bp, service
from webapp.tokens.forms import TokenForm


def _page(form: TokenForm, status: int = 200, **context):
    return render_template("tokens/tokens.html", form=form, tokens=service.all_tokens(),
                           **context), status


@bp.get("")
def list_tokens():
    """Every token: name, role, creator, last use, expiry; revoked ones stay listed."""
    return _page(TokenForm(formdata=None))


@bp.post("")
def create_token():
    """Make a token and show its secret on this one answer only."""
    form = TokenForm()
    if not form.validate():
        return _page(form, 422)
    expires = (datetime.combine(form.expires_on.data, time(), tzinfo=UTC)
               if form.expires_on.data else None)
    try:
        made = service.create(form.name.data, form.role.data, expires, g.user.username)
    except service.TokenError as refused:
        form[refused.field if refused.field in form else "name"].errors = [str(refused)]
        return _page(form, 422)
    # Shown once, never stored in plain text: the response must not be cached anywhere.
    body, status = _page(TokenForm(formdata=None), 201, made=made)
    return body, status, {"Cache-Control": "no-store"}


@bp.post("/<int:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke a token at once."""
    if service.revoke(token_id, g.user.username) is None:
        abort(404)
    return redirect(url_for("tokens.list_tokens"), code=303)
