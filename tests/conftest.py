"""Fixtures: an app on a real SQLite file (migrated once, copied per test), its client."""

import ipaddress
import re
import socket
import tempfile
from pathlib import Path

import flask_migrate
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from webapp import create_app
from webapp.extensions import db
from webapp.models import User

pytest_plugins = ["tests.fakes.fixtures", "tests.databases"]

CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
TEST_TOKEN_KEY = Fernet.generate_key().decode()


_real_getaddrinfo = socket.getaddrinfo
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def _loopback_only(host, *args, **kwargs):
    """Name resolution that refuses every host but loopback: no test reaches a provider."""
    name = host.decode() if isinstance(host, bytes) else str(host)
    try:
        loopback = ipaddress.ip_address(name).is_loopback
    except ValueError:
        loopback = name in LOOPBACK_NAMES
    if not loopback:
        raise socket.gaierror(socket.EAI_NONAME, f"tests may not reach {name} (loopback only)")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config):
    socket.getaddrinfo = _loopback_only


def app_config(tmp_path: Path, **overrides) -> dict:
    """Settings of a test app whose runtime data all lives under tmp_path."""
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gitops.db'}",
        "SECRET_KEY": "test-secret-key",
        "TOKEN_KEYS": TEST_TOKEN_KEY,
    }
    config.update(overrides)
    return config


ADMIN = "admin"
VIEWER = "viewer"
PASSWORD = "correct horse battery staple"


def seed_accounts(url: str) -> None:
    """Apply every migration to the database at url and add the two test accounts.

    The accounts are made once a session, because hashing a password (scrypt) is slow on
    purpose: an admin and a viewer, both with PASSWORD.
    """
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(app_config(Path(folder), DATABASE_URL=url))
        with app.app_context():
            flask_migrate.upgrade()
            password_hash = generate_password_hash(PASSWORD, method="scrypt")
            db.session.add_all([User(username=ADMIN, role="admin", password_hash=password_hash),
                                User(username=VIEWER, role="viewer",
                                     password_hash=password_hash)])
            db.session.commit()
            db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """A SQLite file with every migration applied and two accounts, made once a session."""
    path = tmp_path_factory.mktemp("template") / "gitops.db"
    seed_accounts(f"sqlite:///{path}")
    return path


def signed_in(app, username: str = ADMIN):
    """A test client of app signed in as username (one of the template's accounts)."""
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        user_id, epoch = user.id, user.session_epoch
    with client.session_transaction() as session:
        session["user_id"], session["epoch"] = user_id, epoch
    return client


@pytest.fixture
def make_app(tmp_path, database):
    """Build an app on a fresh copy of the migrated database, with settings overridden."""
    apps = []

    def build(**overrides):
        app = create_app(app_config(tmp_path, **{"DATABASE_URL": database.url, **overrides}))
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """The app with test defaults."""
    return make_app()


@pytest.fixture
def client(app):
    """A test client of app, signed in as an admin."""
    return signed_in(app)


@pytest.fixture
def db_path(tmp_path) -> Path:
    """The SQLite file the app writes to."""
    return tmp_path / "gitops.db"


def csrf_token(client, url: str = "/settings/gitops") -> str:
    """The CSRF token of the page at url, as a browser would read it from the form."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_INPUT.search(page)
    assert match, f"no CSRF token in {url}"
    return match.group(1)
