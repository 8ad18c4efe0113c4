"""Saving a provider: activation, the stored token, and what the browser may see."""

import re

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from tests.conftest import csrf_token, signed_in
from tests.provider_inputs import TOKENS, VALID, form_for
from webapp.crypto import UNDECRYPTABLE_MESSAGE, SecretBox
from webapp.extensions import db
from webapp.models import GitOpsConfig
from webapp.providers import KINDS


def save(client, kind, data, **headers):
    return client.post(f"/settings/gitops/{kind}",
                       data={**data, "csrf_token": csrf_token(client)}, headers=headers)


def rows(app) -> dict[str, GitOpsConfig]:
    with app.app_context():
        return {row.kind: row for row in db.session.scalars(select(GitOpsConfig))}


@pytest.mark.databases
def test_save_stores_activates_and_redirects_with_303(app, client):
    response = save(client, "gitlab", VALID["gitlab"])

    assert response.status_code == 303
    assert response.headers["Location"] == "/settings/gitops/gitlab?saved=1"
    config = rows(app)["gitlab"]
    assert config.active is True
    assert (config.host, config.group_id, config.username) == (
        "https://gitlab.com", "platform/apps", "jane.doe")
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "GitLab is saved and is now the active provider (not validated)." in follow


@pytest.mark.databases
def test_saving_another_provider_deactivates_the_previous_one_but_keeps_it(app, client):
    save(client, "gitlab", VALID["gitlab"])
    save(client, "github", VALID["github"])

    saved = rows(app)
    assert saved["github"].active is True
    assert saved["gitlab"].active is False
    assert saved["gitlab"].group_id == "platform/apps"


def test_the_active_tab_is_marked_and_others_keep_their_values(client):
    save(client, "gitlab", VALID["gitlab"])
    save(client, "github", VALID["github"])

    page = client.get("/settings/gitops/gitlab").get_data(as_text=True)
    github_tab = page.split('data-kind="github"', 1)[1].split("</a>", 1)[0]
    gitlab_tab = page.split('data-kind="gitlab"', 1)[1].split("</a>", 1)[0]
    # Saved without validating: active, but not the green tick of a validated provider.
    assert 'class="tick-pending" title="Active, not validated"' in github_tab
    assert 'class="tick' not in gitlab_tab
    assert "saved" in gitlab_tab
    assert 'value="platform/apps"' in page


def test_the_token_is_stored_only_as_ciphertext(app, client, db_path):
    for kind in KINDS:
        save(client, kind, VALID[kind])
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # checkpoint the WAL into the main file

    stored = b"".join(path.read_bytes() for path in db_path.parent.glob("gitops.db*"))
    for kind, token in TOKENS.items():
        assert token.encode() not in stored, kind
    config = rows(app)["gitlab"]
    assert SecretBox([app.config["TOKEN_KEYS"]]).decrypt(config.token_ciphertext) == \
        TOKENS["gitlab"]


def test_no_html_response_contains_a_token(client):
    bodies = []
    for kind in KINDS:
        bodies.append(save(client, kind, VALID[kind]).get_data(as_text=True))
        bodies.append(save(client, kind, form_for(kind, username="")).get_data(as_text=True))
        for url in (f"/settings/gitops/{kind}", "/settings/gitops", "/deployment-template",
                    "/charts"):
            bodies.append(client.get(url).get_data(as_text=True))
            bodies.append(client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True))

    for token in TOKENS.values():
        assert not [body for body in bodies if token in body]


@pytest.mark.databases
def test_a_blank_token_keeps_the_saved_one(app, client):
    save(client, "github", VALID["github"])
    before = rows(app)["github"]

    response = save(client, "github", form_for("github", username="hubot", token="",
                                               version=before.version))

    assert response.status_code == 303
    after = rows(app)["github"]
    assert after.username == "hubot"
    assert after.token_ciphertext == before.token_ciphertext


def test_a_changed_host_or_namespace_requires_the_token_again(app, client):
    save(client, "github", VALID["github"])
    version = rows(app)["github"].version

    for change in ({"host": "https://ghe.example.com"}, {"organization": "other-org"}):
        response = save(client, "github", form_for("github", token="", version=version,
                                                   **change))
        assert response.status_code == 422
        assert "enter the token again" in response.get_data(as_text=True)
    assert rows(app)["github"].organization == "acme-platform"

    response = save(client, "github", form_for("github", organization="other-org",
                                               token="ghp_newtoken1", version=version))
    assert response.status_code == 303


def test_the_saved_page_masks_the_token(client):
    save(client, "gitlab", VALID["gitlab"])

    page = client.get("/settings/gitops/gitlab").get_data(as_text=True)
    token_input = page.split('id="token"', 1)[1].split(">", 1)[0]
    assert re.sub(r'value=""', "", token_input).count("value=") == 0
    assert "A token is saved. Leave this blank to keep it." in page


def test_an_undecryptable_token_gives_the_clear_message_and_never_a_crash(make_app):
    app = make_app()
    client = signed_in(app)
    save(client, "gitlab", VALID["gitlab"])
    version = rows(app)["gitlab"].version
    rekeyed = make_app(TOKEN_KEYS=Fernet.generate_key().decode())  # the old key is lost
    other = signed_in(rekeyed)

    page = other.get("/settings/gitops/gitlab")
    assert page.status_code == 200
    assert UNDECRYPTABLE_MESSAGE in page.get_data(as_text=True)

    response = save(other, "gitlab", form_for("gitlab", token="", version=version))
    assert response.status_code == 422
    assert UNDECRYPTABLE_MESSAGE in response.get_data(as_text=True)

    response = save(other, "gitlab", form_for("gitlab", token="glpat-again", version=version))
    assert response.status_code == 303


def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(app, client):
    response = client.post("/settings/gitops/github", data=VALID["github"])

    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    assert rows(app) == {}


def test_an_htmx_post_without_the_csrf_header_is_refused(app, client):
    client.get("/settings/gitops")
    response = client.post("/settings/gitops/github", data=VALID["github"],
                           headers={"HX-Request": "true", "X-CSRFToken": "forged"})

    assert response.status_code == 400
    assert rows(app) == {}


def test_a_valid_htmx_post_returns_the_updated_panel(app, client):
    response = save(client, "gitlab", VALID["gitlab"], **{"HX-Request": "true"})

    assert response.status_code == 200
    panel = response.get_data(as_text=True)
    assert panel.lstrip().startswith('<section id="gitops-panel"')
    assert "GitLab is saved and is now the active provider (not validated)." in panel
    assert 'class="tick-pending"' in panel


@pytest.mark.databases
def test_a_save_over_someone_elses_newer_save_is_refused_with_409(app, client):
    save(client, "gitlab", VALID["gitlab"])
    stale = rows(app)["gitlab"].version
    save(client, "gitlab", form_for("gitlab", username="first", token="", version=stale))

    response = save(client, "gitlab", form_for("gitlab", username="second", token="",
                                               version=stale))

    assert response.status_code == 409
    assert "Someone else saved this configuration" in response.get_data(as_text=True)
    assert rows(app)["gitlab"].username == "first"


def test_a_ca_bundle_is_validated_stored_encrypted_and_removable(app, client, tmp_path):
    from tests.tls import make_pki
    pem = make_pki(tmp_path / "pki").ca_pem

    refused = save(client, "gitlab", form_for("gitlab", ca_bundle="not a certificate"))
    assert refused.status_code == 422
    assert "Paste one or more PEM certificates" in refused.get_data(as_text=True)

    assert save(client, "gitlab", form_for("gitlab", ca_bundle=pem)).status_code == 303
    config = rows(app)["gitlab"]
    assert "BEGIN CERTIFICATE" not in config.ca_bundle_ciphertext
    assert SecretBox([app.config["TOKEN_KEYS"]]).decrypt(config.ca_bundle_ciphertext) == pem.strip()
    page = client.get("/settings/gitops/gitlab").get_data(as_text=True)
    assert "A CA bundle is saved." in page
    assert "BEGIN CERTIFICATE" not in page

    save(client, "gitlab", form_for("gitlab", token="", version=config.version))
    assert rows(app)["gitlab"].ca_bundle_ciphertext == config.ca_bundle_ciphertext
    save(client, "gitlab", form_for("gitlab", token="", remove_ca_bundle="y",
                                    version=rows(app)["gitlab"].version))
    assert rows(app)["gitlab"].ca_bundle_ciphertext is None


def test_tls_verification_is_on_unless_explicitly_skipped(app, client):
    save(client, "github", VALID["github"])
    assert rows(app)["github"].verify_tls is True

    refused = save(client, "github", form_for("github", token="", skip_tls_verify="y",
                                              version=rows(app)["github"].version))
    assert refused.status_code == 422  # weaker TLS: the token must be entered again
    assert rows(app)["github"].verify_tls is True

    save(client, "github", form_for("github", skip_tls_verify="y",
                                    version=rows(app)["github"].version))

    assert rows(app)["github"].verify_tls is False
    page = client.get("/settings/gitops/github").get_data(as_text=True)
    assert "TLS verification is off for GitHub." in page
    checkbox = re.search(r'<input[^>]*id="skip_tls_verify"[^>]*>', page).group(0)
    assert "checked" in checkbox


def test_changing_the_bitbucket_credential_type_requires_the_token_again(app, client):
    save(client, "bitbucket_cloud", VALID["bitbucket_cloud"])

    response = save(client, "bitbucket_cloud", form_for(
        "bitbucket_cloud", credential_type="app_password", username="jane_doe", token="",
        version=rows(app)["bitbucket_cloud"].version))

    assert response.status_code == 422
    assert "Credential type" in response.get_data(as_text=True)
    assert rows(app)["bitbucket_cloud"].credential_type == "api_token"
