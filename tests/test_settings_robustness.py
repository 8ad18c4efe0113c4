"""The settings page when things go wrong: lost keys, a busy database, concurrent edits."""

from __future__ import annotations

import sqlite3

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from tests.conftest import csrf_token, signed_in
from tests.fakes import github as fake
from tests.fakes.fixtures import serve
from tests.provider_inputs import TOKENS, VALID, form_data, form_for
from tests.tls import make_pki
from webapp.configs.store import BUNDLE_UNDECRYPTABLE
from webapp.crypto import UNDECRYPTABLE_MESSAGE
from webapp.extensions import db
from webapp.models import GitOpsConfig

HARNESS = fake.HARNESS


def post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def stored(app, kind) -> GitOpsConfig | None:
    with app.app_context():
        return db.session.scalar(select(GitOpsConfig).where(GitOpsConfig.kind == kind))


@pytest.fixture
def sim():
    with serve(fake.GitHubSimulator()) as running:
        yield running


@pytest.fixture
def lost_keys(make_app, tmp_path):
    """A GitHub configuration with a CA bundle, then an app whose key no longer opens them."""
    first = make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True)
    pem = make_pki(tmp_path / "pki").ca_pem
    client = signed_in(first)
    post(client, "/settings/gitops/github", form_for("github", ca_bundle=pem))
    app = make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True,
                       TOKEN_KEYS=Fernet.generate_key().decode())
    return app, signed_in(app)


def test_a_bundle_no_key_opens_is_named_and_must_be_pasted_again_or_removed(lost_keys):
    app, client = lost_keys
    version = stored(app, "github").version

    page = client.get("/settings/gitops/github").get_data(as_text=True)
    assert BUNDLE_UNDECRYPTABLE in page
    assert UNDECRYPTABLE_MESSAGE in page

    kept = post(client, "/settings/gitops/github",
                form_for("github", token="ghp_replacement1", version=version))
    assert kept.status_code == 422
    assert "paste it again or remove it" in kept.get_data(as_text=True)

    removed = post(client, "/settings/gitops/github",
                   form_for("github", token="ghp_replacement1", remove_ca_bundle="y",
                            version=version))
    assert removed.status_code == 303
    assert stored(app, "github").ca_bundle_ciphertext is None


@pytest.mark.parametrize("action", ["validate", "revalidate"])
def test_validate_and_revalidate_with_lost_keys_explain_instead_of_crashing(lost_keys, action):
    app, client = lost_keys
    version = stored(app, "github").version
    data = {} if action == "revalidate" else form_for("github", token="", version=version)

    response = post(client, f"/settings/gitops/github/{action}", data)

    assert response.status_code == 422
    assert "cannot be decrypted with the configured keys" in response.get_data(as_text=True)


@pytest.mark.parametrize(("token", "message"), [
    ("ghp_“curly”quotes0001", "plain ASCII"),
    ("ghp_" + "x" * 1100, "8 to 1024"),
    ("short", "8 to 1024"),
])
def test_a_token_that_cannot_be_a_token_is_refused_next_to_its_field(app, client, token,
                                                                    message):
    response = post(client, "/settings/gitops/github", form_for("github", token=token))

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored(app, "github") is None


@pytest.mark.databases
def test_after_a_conflict_saving_again_succeeds(app, client):
    post(client, "/settings/gitops/gitlab", VALID["gitlab"])
    stale = stored(app, "gitlab").version
    post(client, "/settings/gitops/gitlab", form_for("gitlab", username="first", token="",
                                                     version=stale))
    conflict = post(client, "/settings/gitops/gitlab",
                    form_for("gitlab", username="second", token="", version=stale))
    assert conflict.status_code == 409
    current = stored(app, "gitlab").version
    assert f'value="{current}"' in conflict.get_data(as_text=True)

    again = post(client, "/settings/gitops/gitlab",
                 form_for("gitlab", username="second", token="", version=current))

    assert again.status_code == 303
    assert stored(app, "gitlab").username == "second"


def test_a_busy_database_keeps_the_entries_and_says_so(make_app, db_path):
    app = make_app(SQLITE_BUSY_TIMEOUT_MS=50)
    client = signed_in(app)
    client.get("/settings/gitops")
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        response = post(client, "/settings/gitops/gitlab", VALID["gitlab"])
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()

    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "The database is busy: nothing was saved" in page
    assert 'value="platform/apps"' in page
    assert TOKENS["gitlab"] not in page
    assert stored(app, "gitlab") is None


@pytest.mark.databases
def test_a_revalidation_of_values_changed_meanwhile_is_not_recorded(make_app, sim):
    app = make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True)
    client = signed_in(app)
    post(client, "/settings/gitops/github", form_data(HARNESS, sim, save_without_validating="y"))

    def someone_saves_meanwhile():
        with app.app_context():
            db.session.execute(update(GitOpsConfig).values(
                organization="other-org", version=GitOpsConfig.version + 1))
            db.session.commit()

    sim.fault("get_user", before=someone_saves_meanwhile)
    response = post(client, "/settings/gitops/github/revalidate", {})

    assert response.status_code == 409
    assert "this result was not recorded" in response.get_data(as_text=True)
    config = stored(app, "github")
    assert (config.organization, config.validation_outcome) == ("other-org", None)


@pytest.mark.databases
def test_recording_a_revalidation_does_not_count_as_an_edit(make_app, sim):
    app = make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True)
    client = signed_in(app)
    post(client, "/settings/gitops/github", form_data(HARNESS, sim, save_without_validating="y"))
    version = stored(app, "github").version

    post(client, "/settings/gitops/github/revalidate", {})

    config = stored(app, "github")
    assert config.validation_outcome == "passed"
    assert config.version == version
