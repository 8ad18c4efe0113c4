"""The API's one error shape: {"error": {"code", "message", "fields"}}, with honest statuses.

Every failure under /api/v1/ answers with it, whatever raised it (a bad body, a missing
route, a refused token, a provider that failed, a bug), never with an HTML page.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Response, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.extensions import db
from webapp.providers.base import ProviderError, ProviderUnavailable, RateLimited

log = logging.getLogger(__name__)
API_PREFIX = "/api/"


class ApiError(Exception):
    """An answer other than success: status, a stable code, what to do, and field errors."""

    def __init__(self, status: int, code: str, message: str,
                 fields: dict[str, list[str]] | None = None, headers: dict | None = None,
                 **extra) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.headers = headers or {}
        self.extra = extra


def error_response(error: ApiError) -> Response:
    """The JSON response of error."""
    body = {"code": error.code, "message": error.message, "fields": error.fields,
            **error.extra}
    response = jsonify(error=body)
    response.status_code = error.status
    response.headers.update(error.headers)
    return response


_HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}


def is_api_request() -> bool:
    """Whether the request is for the JSON API (routed there or not)."""
    return request.path.startswith(API_PREFIX)


def init_app(bp) -> None:
    """Answer every error of the API's routes in its shape (webapp.errors does unrouted ones)."""

    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error_response(error)

    @bp.errorhandler(CSRFError)
    def csrf_failed(_error: CSRFError):
        return error_response(ApiError(
            403, "csrf_failed", "A request signed in with a session cookie must send the "
            "page's CSRF token in X-CSRFToken; pipelines use an API token instead."))

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return error_response(_from_http(error))

    @bp.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error in %s %s", request.method, request.path)
        db.session.rollback()
        return error_response(ApiError(500, "internal_error", "Something went wrong on our "
                                       "side; nothing half-done was stored. The server's log "
                                       "says what failed."))


def _from_http(error: HTTPException) -> ApiError:
    status = error.code or 500
    message = {404: "There is no such resource.",
               405: f"{request.method} is not allowed here."}.get(
        status, error.description or "The request cannot be served.")
    # A 405 names what is allowed (RFC 9110), as werkzeug's own answer does.
    allowed = getattr(error, "valid_methods", None)
    headers = {"Allow": ", ".join(sorted(allowed))} if allowed else None
    return ApiError(status, _HTTP_CODES.get(status, "error"), message, headers=headers)


def unrouted_response(error: HTTPException) -> Response:
    """The JSON answer to a path under /api/ that matched no route (or not this method)."""
    return error_response(_from_http(error))


def provider_failure(error: ProviderError) -> ApiError:
    """The provider failed: 429 when it limits us, 504 on a timeout, 502 otherwise."""
    if isinstance(error, RateLimited):
        headers = {}
        if error.reset_at is not None:
            wait = max(1, int((error.reset_at - datetime.now(UTC)).total_seconds()))
            headers["Retry-After"] = str(wait)
        return ApiError(429, "provider_rate_limited", str(error), headers=headers)
    if isinstance(error, ProviderUnavailable) and error.timed_out:
        return ApiError(504, "provider_timeout", str(error))
    return ApiError(502, "provider_error", str(error), provider_code=error.code)
