"""`flask keys …`: rotating, checking and retiring the keys that encrypt stored secrets."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from tests.conftest import csrf_token, signed_in
from tests.provider_inputs import TOKENS, VALID
from tests.tls import make_pki
from webapp.crypto import SecretBox, secret_box
from webapp.extensions import db
from webapp.instance_keys import read_keys
from webapp.models import AuditEvent, GitOpsConfig


@pytest.fixture
def filed(make_app, tmp_path):
    """An app whose keys live in instance/token_keys, with two saved configurations."""
    app = make_app(TOKEN_KEYS="")
    client = signed_in(app)
    pem = make_pki(tmp_path / "pki").ca_pem
    for kind in ("github", "gitlab"):
        client.post(f"/settings/gitops/{kind}",
                    data={**VALID[kind], "ca_bundle": pem, "csrf_token": csrf_token(client)})
    return app


def ciphertexts(app) -> list[str]:
    with app.app_context():
        db.session.expire_all()
        return [value for config in db.session.scalars(select(GitOpsConfig))
                for value in (config.token_ciphertext, config.ca_bundle_ciphertext)]


def key_file(app):
    from pathlib import Path
    return Path(app.config["TOKEN_KEYS_FILE"])


@pytest.mark.databases
def test_rotate_reencrypts_every_secret_under_a_new_first_key(filed):
    old_keys = read_keys(key_file(filed).read_text())
    before = ciphertexts(filed)

    result = filed.test_cli_runner().invoke(args=["keys", "rotate"])

    assert result.exit_code == 0, result.output
    assert "Re-encrypted 4 stored secrets" in result.output
    keys = read_keys(key_file(filed).read_text())
    assert keys[1:] == old_keys
    assert stat.S_IMODE(key_file(filed).stat().st_mode) == 0o600
    after = ciphertexts(filed)
    assert all(value not in before for value in after)
    newest = SecretBox(keys[:1])
    assert all(newest.can_decrypt(value) for value in after)
    with filed.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "key_rotated"))
        assert event.details["secrets_reencrypted"] == 4


def test_a_failed_rotation_keeps_the_new_key_in_front_of_every_old_one(filed, monkeypatch):
    path = key_file(filed)
    old_keys = read_keys(path.read_text())
    before = ciphertexts(filed)

    def database_gone(*_args, **_kwargs):
        raise RuntimeError("database is locked\n[parameters: ('gAAAA-ciphertext',)]")
    monkeypatch.setattr("webapp.keys.record", database_gone)  # fails after the key file is written
    result = filed.test_cli_runner().invoke(args=["keys", "rotate"])

    assert result.exit_code == 1
    assert "Re-encrypting failed (database is locked)" in result.output
    assert "gAAAA-ciphertext" not in result.output
    assert "The new key stays first" in result.output
    keys = read_keys(path.read_text())
    assert len(keys) == len(old_keys) + 1
    assert keys[1:] == old_keys
    assert ciphertexts(filed) == before
    assert all(SecretBox(keys).can_decrypt(value) for value in before)
    with filed.app_context():
        rotated = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "key_rotated"))
    assert rotated is None


def test_a_secret_a_worker_encrypted_under_the_new_key_survives_a_failed_rotation(
        filed, monkeypatch):
    saved_by_worker = []

    def a_worker_saves_then_the_commit_fails(*_args, **_kwargs):
        with filed.app_context():  # a worker sees the new key file by its mtime
            saved_by_worker.append(secret_box().encrypt(TOKENS["gitlab"]))
        raise RuntimeError("database is locked")
    monkeypatch.setattr("webapp.keys.record", a_worker_saves_then_the_commit_fails)

    assert filed.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code == 1

    keys = read_keys(key_file(filed).read_text())
    assert SecretBox(keys[:1]).decrypt(saved_by_worker[0]) == TOKENS["gitlab"]
    assert filed.test_cli_runner().invoke(args=["keys", "check"]).exit_code == 0


def test_after_rotating_the_old_key_can_be_retired_and_the_app_still_decrypts(filed):
    runner = filed.test_cli_runner()
    runner.invoke(args=["keys", "rotate"])

    retired = runner.invoke(args=["keys", "retire"])

    assert retired.exit_code == 0, retired.output
    keys = read_keys(key_file(filed).read_text())
    assert len(keys) == 1
    page = signed_in(filed).get("/settings/gitops/gitlab").get_data(as_text=True)
    assert "cannot be decrypted" not in page  # the running app picked up the new key file
    with filed.app_context():
        config = db.session.scalar(select(GitOpsConfig).where(GitOpsConfig.kind == "gitlab"))
        assert SecretBox(keys).decrypt(config.token_ciphertext) == TOKENS["gitlab"]
    assert runner.invoke(args=["keys", "check"]).exit_code == 0


def test_retire_refuses_while_a_secret_still_needs_an_old_key(filed):
    path = key_file(filed)
    path.write_text("\n".join([Fernet.generate_key().decode(), *read_keys(path.read_text())]))

    result = filed.test_cli_runner().invoke(args=["keys", "retire"])

    assert result.exit_code != 0
    assert "still need an older key" in result.output
    assert len(read_keys(path.read_text())) == 2


def test_check_reports_a_secret_no_key_opens(filed):
    key_file(filed).write_text(Fernet.generate_key().decode() + "\n")

    result = filed.test_cli_runner().invoke(args=["keys", "check"])

    assert result.exit_code == 1
    assert "cannot decrypt: github token" in result.output
    assert "cannot decrypt: gitlab ca bundle" in result.output
    refused = filed.test_cli_runner().invoke(args=["keys", "rotate"])
    assert refused.exit_code != 0
    assert "nothing was changed" in refused.output


def test_keys_from_the_environment_are_not_rotated_but_explained(app):
    result = app.test_cli_runner().invoke(args=["keys", "rotate"])

    assert result.exit_code != 0
    assert "GITOPS_TOKEN_KEYS" in result.output
    assert "keys reencrypt" in result.output
