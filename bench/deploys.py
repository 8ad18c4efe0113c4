"""Requests and wall time per deploy and per validation, through the app, against each
provider's simulator answering every request after a fixed latency (a network's round trip).

The app runs in-process on a real SQLite file; each deploy is the htmx POST a browser
sends. Against a real provider a request costs its round trip, so what matters is the
count, and how close the wall time comes to count × latency (the app's own work is the
rest).
"""

from __future__ import annotations

import logging
import shutil
import statistics
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

LATENCY = 0.050  # seconds per request, the low end of a real provider's round trip
KINDS = ("github", "gitlab", "azure_devops", "bitbucket_cloud")
HTMX = {"HX-Request": "true"}


def _app(folder: Path):
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench",
                      "DATABASE_URL": f"sqlite:///{folder}/gitops.db", "ALLOW_HTTP_HOSTS": True,
                      "ALLOW_PRIVATE_HOSTS": True,
                      "TOKEN_KEYS": Fernet.generate_key().decode(), "LOG_LEVEL": "WARNING"})
    logging.disable(logging.INFO)  # Alembic's log of every migration is not a result
    try:
        with app.app_context():
            flask_migrate.upgrade()
    finally:
        logging.disable(logging.NOTSET)
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


class Timed:
    """POSTs through the app, each counted (simulator requests) and timed."""

    def __init__(self, client, simulator) -> None:
        self.client, self.simulator = client, simulator
        self.token = CSRF_INPUT.search(client.get("/charts").get_data(as_text=True)).group(1)

    def post(self, url: str, data: dict, **headers) -> tuple[int, float]:
        """(requests the simulator saw, seconds) of one POST."""
        self.simulator.clear_log()
        started = time.perf_counter()
        response = self.client.post(url, data={**data, "csrf_token": self.token},
                                    headers=headers)
        elapsed = time.perf_counter() - started
        assert response.status_code in (200, 303), response.get_data(as_text=True)[:500]
        return len(self.simulator.calls()), elapsed


def values(number: int) -> str:
    """The reference chart's values, different for each number (so each deploy commits)."""
    return DEFAULT_VALUES.replace("replicaCount: 1", f"replicaCount: {number % 50 + 2}")


def measure(kind: str, rounds: int = 5, latency: float = LATENCY) -> dict:
    """Per scenario: requests per deploy (or validation), median seconds, and their ratio
    to requests × latency."""
    harness = HARNESSES[kind]
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
    samples: dict[str, list[tuple[int, float]]] = {
        "first deploy": [], "changed": [], "no changes": [], "tip moved": [],
        "validation": []}
    try:
        with serve(harness.simulator()) as simulator:
            app = _app(folder)
            client = signed_in_admin(app)
            timed = Timed(client, simulator)
            timed.post(f"/settings/gitops/{kind}",
                       form_data(harness, simulator, save_without_validating="y"))
            timed.post("/applications", {"name": "bench", "environments": "dev"})
            simulator.latency = latency
            deploy = "/deployment-template"
            samples["first deploy"].append(timed.post(  # creates the repository
                deploy, {"target": "bench/dev", "values": values(0)}, **HTMX))
            git = harness.git(simulator, "bench")
            for number in range(1, rounds + 1):
                samples["changed"].append(timed.post(
                    deploy, {"target": "bench/dev", "values": values(number)}, **HTMX))
                samples["no changes"].append(timed.post(
                    deploy, {"target": "bench/dev", "values": values(number)}, **HTMX))
                git.commit_on("main", {"NOTES.md": f"{number}\n".encode()}, "someone else")
                samples["tip moved"].append(timed.post(
                    deploy, {"target": "bench/dev", "values": values(number + 25)}, **HTMX))
                samples["validation"].append(timed.post(
                    f"/settings/gitops/{kind}/validate", form_data(harness, simulator),
                    **HTMX))
            with app.app_context():
                db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    result = {}
    for scenario, runs in samples.items():
        requests = statistics.median(count for count, _ in runs)
        seconds = statistics.median(elapsed for _, elapsed in runs)
        result[scenario] = {"requests": requests, "seconds": seconds,
                            "own": seconds - requests * latency,
                            "ratio": seconds / (requests * latency) if requests else None}
    return result
