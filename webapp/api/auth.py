"""Who calls the API: a bearer token, the local command line, or a signed-in browser.

Bearer requests need no CSRF token (a browser never adds the header on its own); a call
made with the session cookie must send the page's CSRF token, exactly like a form. Every
use of a token, and every token refused, lands in the audit log, never the secret.
"""

from __future__ import annotations

import logging

from flask import g, request
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from webapp.api.errors import ApiError
from webapp.audit import record
from webapp.auth.guard import READ_METHODS, CurrentUser, signed_in_user
from webapp.extensions import csrf, db
from webapp.models import ApiToken, utcnow
from webapp.tokens import service as tokens

log = logging.getLogger(__name__)
# Set only by the local command line in its in-process request (webapp/cli): no HTTP
# header can reach a WSGI environ key without the HTTP_ prefix.
CLI_ENVIRON_KEY = "gitops.cli"
PUBLIC = {"api.openapi"}
ADMIN_ONLY = {"api.audit_events"}
# A POST that only asks a provider what became of a request: viewers may.
READ_LIKE = {"api.refresh_deployment"}
TOKEN_SUFFIX = " (API token)"  # noqa: S105  (words, not a secret)


def authenticate() -> None:
    """Set g.user for an API request, or raise ApiError 401/403 (the guard calls this)."""
    g.api_token = None
    if request.endpoint in PUBLIC:
        return
    header = request.headers.get("Authorization")
    if header is not None:
        g.user = _bearer(header)
    elif request.environ.get(CLI_ENVIRON_KEY):
        g.user = CurrentUser(0, "cli", "admin", False)
    else:
        g.user = signed_in_user()
        if g.user is None:
            raise ApiError(401, "unauthenticated", "Send an API token: Authorization: Bearer "
                           "<token> (an admin makes one under API tokens).",
                           headers={"WWW-Authenticate": 'Bearer realm="gitops-console"'})
        if request.method not in READ_METHODS:
            csrf.protect()
    changes = request.method not in READ_METHODS and request.endpoint not in READ_LIKE
    if (changes or request.endpoint in ADMIN_ONLY) and not g.user.is_admin:
        raise ApiError(403, "forbidden", "This token (or account) is a viewer: it may read "
                       "but not change. Ask an admin for an admin token.")


def _bearer(header: str) -> CurrentUser:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        _refused("malformed", None)
    try:
        token = tokens.authenticate(value)
    except tokens.TokenRefused as refused:
        _refused(refused.reason, refused.token)
    g.api_token = (token.id, token.name)
    return CurrentUser(0, token.name + TOKEN_SUFFIX, token.role, False)


def _refused(reason: str, token: ApiToken | None):
    record("api_token_refused", token.name if token else None,
           {"reason": reason, "method": request.method, "path": request.path}, actor=None)
    message = {"expired": "This API token has expired: ask an admin for a new one.",
               "revoked": "This API token was revoked: ask an admin for a new one."}.get(
        reason, "This API token is not valid: check that it was copied whole.")
    raise ApiError(401, "unauthenticated", message,
                   headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def record_use(response):
    """After a token's request: its last use, and an audit entry with the outcome."""
    used = getattr(g, "api_token", None)
    if used is None:
        return response
    token_id, name = used
    try:
        db.session.rollback()  # whatever the route left open is not ours to commit
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                           .values(last_used_at=utcnow())
                           .execution_options(synchronize_session=False))
        record("api_token_used", name, {"method": request.method, "path": request.path,
                                        "status": response.status_code},
               actor=name + TOKEN_SUFFIX)
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("could not record the use of the API token %s", name)
    return response
