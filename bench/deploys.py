"""Deploys per second, and HTTP requests per deploy, against each provider's simulator."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import flask_migrate
from cryptography.fernet import Fernet

from tests.conftest import CSRF_INPUT
from tests.fakes.fixtures import serve
from tests.fakes.registry import HARNESSES
from tests.provider_inputs import form_data
from webapp import create_app
from webapp.deploy.chart import DEFAULT_VALUES
from webapp.extensions import db


def _app(folder: Path):
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench",
                      "DATABASE_URL": f"sqlite:///{folder}/gitops.db", "ALLOW_HTTP_HOSTS": True,
                      "ALLOW_PRIVATE_HOSTS": True,
                      "TOKEN_KEYS": Fernet.generate_key().decode(), "LOG_LEVEL": "WARNING"})
    with app.app_context():
        flask_migrate.upgrade()
    return app


def signed_in_admin(app):
    """A client signed in as a fresh admin (created directly: hashing is not measured)."""
    from webapp.models import User
    with app.app_context():
        user = User(username="bench", role="admin", password_hash="unused")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"], session["epoch"] = user_id, 1
    return client


def _post(client, url, data):
    token = CSRF_INPUT.search(client.get("/charts").get_data(as_text=True)).group(1)
    response = client.post(url, data={**data, "csrf_token": token})
    assert response.status_code in (200, 303), response.get_data(as_text=True)[:500]
    return response


def measure(kind: str, deploys: int = 30) -> dict:
    """Deploy one application `deploys` times, each with new values (so each commits)."""
    harness = HARNESSES[kind]
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    try:
        with serve(harness.simulator()) as simulator:
            app = _app(folder)
            client = signed_in_admin(app)
            _post(client, f"/settings/gitops/{kind}",
                  form_data(harness, simulator, save_without_validating="y"))
            _post(client, "/applications", {"name": "bench", "environments": "dev"})
            _post(client, "/deployment-template", {"target": "bench/dev",
                                                   "values": DEFAULT_VALUES})  # creates it
            simulator.clear_log()
            started = time.perf_counter()
            for number in range(deploys):
                values = DEFAULT_VALUES.replace("replicaCount: 1", f"replicaCount: {number % 50}")
                values += f"# deploy {number}\n"
                _post(client, "/deployment-template", {"target": "bench/dev", "values": values})
            elapsed = time.perf_counter() - started
            requests = len(simulator.calls())
            with app.app_context():
                db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"provider": kind, "deploys": deploys, "seconds": elapsed,
            "deploys_per_second": deploys / elapsed, "requests_per_deploy": requests / deploys}
