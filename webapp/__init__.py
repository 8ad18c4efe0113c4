"""GitOps Console: the application factory."""

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, redirect, url_for

from webapp import (
    access,
    crypto,
    csrf_tokens,
    errors,
    keys,
    log_redaction,
    logs,
    pagecache,
    security,
)
from webapp.auth import cli as users_cli
from webapp.auth import guard, proxy
from webapp.cli import commands as gitops_cli
from webapp.configure import configure, instance_path
from webapp.extensions import csrf, init_database
from webapp.instance_keys import ensure_secret_key, ensure_token_keys
from webapp.tokens import cli as tokens_cli


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, keys, database, security, pages."""
    app = Flask(__name__, instance_relative_config=True,
                instance_path=instance_path(test_config, os.environ))
    configure(app, test_config)
    logs.init_app(app)
    log_redaction.install()
    os.makedirs(app.instance_path, exist_ok=True)
    ensure_secret_key(app.config, app.instance_path)
    ensure_token_keys(app.config, app.instance_path)

    crypto.init_app(app)
    import webapp.models  # noqa: F401  (registers the tables with SQLAlchemy and Alembic)
    init_database(app)
    pagecache.init_app(app)
    security.init_app(app)
    proxy.init_app(app)
    access.init_app(app)  # before the guard: every request gets its id, refused ones too
    guard.init_app(app)  # before CSRF: strangers are sent to sign in, not told of tokens
    csrf.init_app(app)
    csrf_tokens.init_app(app)  # after Flask-WTF: templates sign through its cache
    errors.init_app(app)
    users_cli.init_app(app)
    keys.init_app(app)
    gitops_cli.init_app(app)
    tokens_cli.init_app(app)

    from webapp.configs.expiry import expiring_tokens
    from webapp.providers import KINDS
    app.jinja_env.globals.update(KINDS=KINDS, expiring_tokens=expiring_tokens)

    from webapp import api, audit, auth, deploy, health, settings, tokens
    app.register_blueprint(settings.bp)
    app.register_blueprint(deploy.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(tokens.bp)
    csrf.exempt(api.bp)  # bearer calls need none; cookie calls are checked in api.auth
    app.register_blueprint(api.bp)

    @app.get("/")
    def index():
        """The settings page is the place to start."""
        return redirect(url_for("settings.gitops"))

    return app

