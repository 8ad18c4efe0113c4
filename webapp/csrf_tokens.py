"""The signed CSRF token of a request, signed once per session token and second.

Flask-WTF signs the session's CSRF secret with a timestamp in seconds on every request
that renders a form, so two requests of one session within a second already get the same
token: keeping that token for the rest of its second gives byte-for-byte the tokens
Flask-WTF would give, for a dictionary lookup instead of a signature on the hot pages.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

FIELD = "csrf_token"
MAX_SESSIONS = 4096  # past this many remembered sessions, start again (one signature each)


class TokenCache:
    """session CSRF secret -> (second, signed token), per app (each has its own key)."""

    def __init__(self) -> None:
        self.tokens: dict[str, tuple[int, str]] = {}
        self.lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Templates call csrf_token() through this cache (forms take the same token from g)."""
    app.extensions["csrf_tokens"] = TokenCache()
    app.jinja_env.globals["csrf_token"] = csrf_token


def csrf_token() -> str:
    """The signed token for this request, as Flask-WTF's generate_csrf() gives it."""
    if FIELD in g:
        return g.get(FIELD)
    secret = session.get(FIELD)
    if not isinstance(secret, str) or current_app.config.get("WTF_CSRF_FIELD_NAME",
                                                              FIELD) != FIELD:
        return generate_csrf()  # a new session: Flask-WTF makes and stores its secret
    cache: TokenCache = current_app.extensions["csrf_tokens"]
    second = int(time.time())
    remembered = cache.tokens.get(secret)
    if remembered is not None and remembered[0] == second:
        setattr(g, FIELD, remembered[1])  # forms built later in the request use it too
        return remembered[1]
    token = generate_csrf()
    with cache.lock:
        if len(cache.tokens) >= MAX_SESSIONS:
            cache.tokens.clear()
        cache.tokens[secret] = (second, token)
    return token
