"""HTTP hardening: reverse-proxy headers, the session cookie's Secure flag, security headers."""

from __future__ import annotations

from flask import Flask, Response, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix


class HttpsAwareSessions(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (
            has_request_context() and request.is_secure)


def content_security_policy(frame_ancestors: str) -> str:
    """No inline script or style anywhere; everything from this app only."""
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
        "connect-src 'self'", "form-action 'self'", "base-uri 'none'", "object-src 'none'",
        f"frame-ancestors {frame_ancestors}"])


def init_app(app: Flask) -> None:
    """Trust GITOPS_PROXY_HOPS proxies' X-Forwarded-*; add the headers to every response."""
    hops = app.config["PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops, x_prefix=hops)
    app.session_interface = HttpsAwareSessions()
    policy = content_security_policy(app.config["FRAME_ANCESTORS"])
    hsts = f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = policy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if request.is_secure and app.config["HSTS_SECONDS"]:
            response.headers["Strict-Transport-Security"] = hsts
        return response
