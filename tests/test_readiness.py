"""/readyz: ready only when the database answers, its schema is the newest, and the keys
open the stored token; every failure is named, with what to do."""

from __future__ import annotations

import flask_migrate
import pytest
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet

from tests.conftest import csrf_token, signed_in
from tests.provider_inputs import TOKENS, VALID
from webapp.extensions import db


def revisions(app) -> tuple[str, str]:
    """The newest migration and the one before it (the tests outlive new migrations)."""
    with app.app_context():
        migrate = app.extensions["migrate"]
        script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
        head = script.get_current_head()
        return head, script.get_revision(head).down_revision


def readyz(app):
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json()


def save_github(app) -> None:
    client = signed_in(app)
    response = client.post("/settings/gitops/github",
                           data={**VALID["github"], "csrf_token": csrf_token(client)})
    assert response.status_code == 303


@pytest.mark.databases
def test_a_migrated_database_with_open_keys_is_ready(app):
    save_github(app)

    status, body = readyz(app)

    assert status == 200
    assert body["status"] == "ready"
    assert body["failing"] == []
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True, "migrations": True, "keys": True, "token_expiry": True}
    assert body["checks"]["migrations"]["message"] == f"at {revisions(app)[0]} (the newest)"
    assert body["checks"]["keys"]["message"] == "open the active GitHub token"


def test_with_nothing_saved_the_keys_are_probed_with_a_value_of_their_own(app):
    status, body = readyz(app)

    assert status == 200
    assert "probe value" in body["checks"]["keys"]["message"]


@pytest.mark.databases
def test_a_missing_migration_makes_it_not_ready_and_says_how_to_fix_it(app):
    with app.app_context():
        db.session.remove()
        flask_migrate.downgrade(revision="-1")

    status, body = readyz(app)

    assert status == 503
    assert body["failing"] == ["migrations"]
    head, previous = revisions(app)
    assert body["checks"]["migrations"]["message"] == (
        f"the database is at {previous}, this code needs {head}: run `flask --app wsgi db "
        "upgrade`")
    assert body["checks"]["keys"] == {"ok": None, "message": "not checked: migrations failed"}


@pytest.mark.databases
def test_a_key_file_that_is_not_the_one_the_token_was_saved_with_is_named(make_app):
    app = make_app(TOKEN_KEYS="")  # keys in instance/token_keys
    save_github(app)
    with open(app.config["TOKEN_KEYS_FILE"], "w") as handle:
        handle.write(Fernet.generate_key().decode() + "\n")

    status, body = readyz(app)

    assert status == 503
    assert body["failing"] == ["keys"]
    assert body["checks"]["keys"]["message"].startswith(
        "no configured key opens the active GitHub token: the keys (the key file token_keys "
        "in the instance folder) are not the ones it was saved with")
    assert TOKENS["github"] not in str(body)


def test_a_key_file_that_holds_no_key_is_named(make_app):
    app = make_app(TOKEN_KEYS="")
    with open(app.config["TOKEN_KEYS_FILE"], "w") as handle:
        handle.write("not-a-key\n")

    status, body = readyz(app)

    assert status == 503
    assert body["failing"] == ["keys"]
    assert "key number 1 is not a Fernet key" in body["checks"]["keys"]["message"]


def test_a_database_that_does_not_answer_is_named_and_the_rest_not_checked(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/missing-folder/gitops.db")

    status, body = readyz(app)

    assert status == 503
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["message"] == (
        "the database does not answer (OperationalError); the server's log has details")
    assert "missing-folder" not in str(body)  # nothing about where it lives
    assert body["checks"]["migrations"]["ok"] is None


def test_an_empty_database_is_told_to_run_the_migrations(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/empty.db")

    status, body = readyz(app)

    assert status == 503
    assert body["checks"]["migrations"]["message"] == (
        "the database has no schema yet: run `flask --app wsgi db upgrade`")


def test_a_token_about_to_expire_is_reported_but_the_instance_stays_ready(app):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from webapp.models import GitOpsConfig
    save_github(app)
    assert readyz(app)[1]["checks"]["token_expiry"] == {
        "ok": True, "message": "no saved token expires within 14 days"}
    soon = datetime.now(UTC) + timedelta(days=3, hours=1)
    with app.app_context():
        db.session.scalar(select(GitOpsConfig)).token_expires_at = soon
        db.session.commit()

    status, body = readyz(app)

    assert status == 200
    assert body["checks"]["token_expiry"] == {
        "ok": True, "warning": True,
        "message": f"the active GitHub token expires on {soon:%Y-%m-%d} (in 3 days)"}
