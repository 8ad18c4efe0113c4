"""Hot pages rendered once per version of the database; the CSRF token filled in per request.

A page that a GET shows is a function of the database, the request (path and query, page
or htmx fragment, script root), the signed-in user and the token keys. On SQLite, `PRAGMA
data_version` on a connection that never writes changes whenever any other connection
commits (a thread or worker of the app, the command line): one statement, without a pool
checkout or an ORM session, names the database's version. A page rendered at a version is
served again while the version stays the same; any commit gives a new one, so a page never
shows anything a save has changed. The version is read before the page's data: a commit
in between files the page under a version no later request reads. Other databases: no
cache (every GET renders, as before).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, request

from webapp.crypto import secret_box
from webapp.csrf_tokens import FIELD, csrf_token
from webapp.extensions import db
from webapp.htmx import is_htmx

SIZE = 512  # pages kept per worker process (~10 kB each)


class Versioned:
    """A small LRU store of values computed at one database version."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], object]) -> object:
        """The value kept for key, or compute()'s (kept for next time)."""
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        value = compute()
        with self.lock:
            self.entries[key] = value
            if len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value


class DataVersion:
    """A connection of its own per worker process that only asks SQLite for data_version
    (it never writes, so every commit to the file is another connection's)."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.connection: sqlite3.Connection | None = None
        self.pid = 0
        self.opened = 0  # versions of one connection are not comparable to another's

    def read(self) -> tuple[int, int] | None:
        """The data version now; None when the database is not a SQLite file."""
        if not self.path:
            return None
        with self.lock:
            if self.connection is None or self.pid != os.getpid():  # new, or forked
                self.connection = sqlite3.connect(self.path, check_same_thread=False)
                self.pid, self.opened = os.getpid(), self.opened + 1
            # fetchall: the statement runs to its end and holds nothing open
            (data_version,), = self.connection.execute("PRAGMA data_version").fetchall()
            return self.opened, data_version


def init_app(app: Flask) -> None:
    """Make the stores of pages and users, and the database's version reader."""
    app.extensions["pages"] = Versioned()
    app.extensions["users"] = Versioned()
    app.extensions["page_placeholder"] = f"csrf{secrets.token_hex(16)}"
    with app.app_context():
        url = db.engine.url
    file = url.database if url.get_backend_name() == "sqlite" else None
    app.extensions["data_version"] = DataVersion(file if file and file != ":memory:" else None)


def version() -> tuple[int, int] | None:
    """The database's version at this request's start; None: no cache on this database."""
    if "db_version" not in g:
        g.db_version = current_app.extensions["data_version"].read()
    return g.db_version


def remembered(store: str, key: Hashable, compute: Callable[[], object]) -> object:
    """compute() at this database version, kept in one of the app's stores."""
    current = version()
    if current is None:
        return compute()
    return current_app.extensions[store].get((current, key), compute)


def page(render: Callable[[], Response]) -> Response:
    """The GET page render() makes, rendered once per database version, user and request."""
    box = secret_box()  # a rotated key can change what the settings page says
    environ = request.environ
    key = (request.endpoint, environ.get("PATH_INFO"), environ.get("QUERY_STRING"),
           request.script_root, is_htmx(), g.user.id if g.get("user") else None,
           current_app.extensions["secret_box_loaded"], id(box),
           # The day: a token's expiry warning counts days, whatever commits meanwhile.
           datetime.now(UTC).date())
    placeholder = current_app.extensions["page_placeholder"]

    def rendered() -> tuple[list[str], int, list[tuple[str, str]]]:
        saved = g.get(FIELD)
        setattr(g, FIELD, placeholder)  # every token in the page is the placeholder
        try:
            response = render()
        finally:
            g.pop(FIELD)
            if saved is not None:
                setattr(g, FIELD, saved)
        headers = [(name, value) for name, value in response.headers.items()
                   if name in ("Content-Type", "Vary")]
        # Kept split at the tokens: a request joins its own token in.
        return response.get_data(as_text=True).split(placeholder), response.status_code, \
            headers

    parts, status, headers = remembered("pages", key, rendered)
    body = csrf_token().join(parts) if len(parts) > 1 else parts[0]
    return current_app.response_class(body, status, headers)
