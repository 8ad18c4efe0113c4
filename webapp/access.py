"""Request ids and the access log: one line per request, through the app's own logger.

The id comes from a trusted proxy's X-Request-Id (so the proxy's log and ours share it),
otherwise it is made here; either way the response carries it back. gunicorn's own
access log stays off (gunicorn.conf.py): this line has the user and the request id, and
goes through the same format and redaction as every other line.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, current_app, g, request

from webapp.auth.proxy import peer_address

HEADER = "X-Request-Id"
# What a proxy's id may look like (nginx's $request_id, a UUID, a trace id): nothing that
# could forge a log line or a header.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
# Probes ask every few seconds: unless they fail, they would drown everything else.
PROBES = {"health.healthz", "health.readyz"}

log = logging.getLogger("webapp.access")


def init_app(app: Flask) -> None:
    """Register the hooks; call before any other before_request (the guard may answer)."""
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.request_started = time.perf_counter()
    g.request_id = _proxy_request_id() or uuid.uuid4().hex


def _proxy_request_id() -> str | None:
    """The X-Request-Id header, if a trusted proxy sent a well-formed one."""
    value = request.headers.get(HEADER, "")
    if not value or not REQUEST_ID.fullmatch(value):
        return None
    # Behind GITOPS_PROXY_HOPS every request comes through the proxy; otherwise only the
    # addresses trusted to name users may name requests.
    trusted = current_app.config["PROXY_HOPS"] > 0 or \
        current_app.extensions["proxy_trust"].trusts(peer_address())
    return value if trusted else None


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # a request that never reached _start
        return response
    response.headers[HEADER] = request_id
    duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
    if response.status_code >= 500:
        level = logging.WARNING
    elif request.endpoint in PROBES:
        level = logging.DEBUG
    else:
        level = logging.INFO
    log.log(level, "%s %s %s %.1f ms", request.method,
            request.path, response.status_code, duration_ms,
            extra={"status": response.status_code, "duration_ms": duration_ms})
    return response
