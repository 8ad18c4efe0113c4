"""/api/v1/gitops: saving, validating, activating and deleting configurations through the API,
against each provider's simulator; the same rules as the settings page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.api_support import Api, error_of, make_token
from tests.provider_inputs import TOKENS, VALID, form_data
from webapp.extensions import db
from webapp.models import AuditEvent, GitOpsConfig


@pytest.fixture
def app(make_app):
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, PROVIDER_READ_TIMEOUT=5.0)


@pytest.fixture
def api(app):
    return Api(app, make_token(app, name="ci"))


def body_for(harness, simulator, **changes) -> dict:
    """The JSON a pipeline sends to save harness's simulator as a provider."""
    return form_data(harness, simulator, **changes)


def stored(app) -> dict[str, GitOpsConfig]:
    with app.app_context():
        return {row.kind: row for row in db.session.scalars(select(GitOpsConfig))}


def test_put_validates_stores_and_activates_a_new_configuration(app, api, harness, simulator):
    response = api.put(f"/gitops/configs/{harness.kind}", json=body_for(harness, simulator))

    assert response.status_code == 201, response.get_json()
    config = response.get_json()
    assert (config["kind"], config["active"], config["has_token"]) == (harness.kind, True, True)
    assert config["validation"]["outcome"] in ("passed", "warning")
    assert "token" not in config
    assert harness.tokens["good"] not in response.get_data(as_text=True)
    assert stored(app)[harness.kind].active
    assert api.get("/gitops/status").get_json()["active_kind"] == harness.kind


def test_a_failed_validation_answers_422_with_the_stages_and_stores_nothing(
        app, api, harness, simulator):
    response = api.put(f"/gitops/configs/{harness.kind}",
                       json=body_for(harness, simulator, token=harness.tokens["wrong"]))

    error = error_of(response)
    assert response.status_code == 422
    assert error["code"] == "validation_failed"
    stages = {stage["id"]: stage["status"] for stage in error["validation"]["stages"]}
    assert stages["authenticate"] == "failed"
    assert stored(app) == {}
    assert harness.tokens["wrong"] not in response.get_data(as_text=True)


def test_validate_false_saves_without_contacting_the_provider(app, api, harness, simulator):
    response = api.put(f"/gitops/configs/{harness.kind}",
                       json={**body_for(harness, simulator), "validate": False})

    assert response.status_code == 201
    assert response.get_json()["validation"] is None
    assert simulator.calls() == []


def test_changing_a_configuration_needs_the_version_read(app, api, harness, simulator):
    path = f"/gitops/configs/{harness.kind}"
    first = api.put(path, json={**body_for(harness, simulator), "validate": False}).get_json()
    body = {**body_for(harness, simulator, branch="deploys"), "validate": False}
    body.pop("token")  # the saved token is kept: host and namespace stay the same

    missing = api.put(path, json=body)
    stale = api.put(path, json={**body, "version": first["version"] - 1})
    fresh = api.put(path, json={**body, "version": first["version"]})

    assert (missing.status_code, error_of(missing)["code"]) == (409, "version_required")
    assert (stale.status_code, error_of(stale)["code"]) == (409, "conflict")
    assert "Someone else saved" in error_of(stale)["message"]
    assert fresh.status_code == 200
    assert fresh.get_json()["branch"] == "deploys"
    assert fresh.get_json()["version"] == first["version"] + 1


def test_a_changed_namespace_needs_the_token_again(app, api):
    path = "/gitops/configs/gitlab"
    first = api.put(path, json=_gitlab(validate=False)).get_json()
    body = _gitlab(group_id="platform/other", validate=False, version=first["version"])
    body.pop("token")

    response = api.put(path, json=body)

    assert response.status_code == 422
    assert "enter the token again" in " ".join(error_of(response)["fields"]["token"])
    assert stored(app)["gitlab"].group_id == "platform/apps"


def _gitlab(**changes) -> dict:
    body = {key: value for key, value in VALID["gitlab"].items()
            if key != "save_without_validating"}
    return {**body, **changes}


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"username": ""}, "username", "Enter the GitLab username"),
    ({"group_id": "not a group!"}, "group_id", "a group path"),
    ({"host": "ftp://gitlab.example.com"}, "host", "Use an https:// or http:// URL"),
    ({"host": 42.5}, "host", "Use a string"),
    ({"verify_tls": "no"}, "verify_tls", "Use true or false"),
    ({"colour": "blue"}, "colour", "Unknown field"),
    ({"skip_tls_verify": True}, "skip_tls_verify", "Unknown field"),
    ({"token": "with space inside"}, "token", "no spaces"),
])
def test_bad_fields_are_named_with_what_to_fix_and_nothing_is_stored(app, api, body, field,
                                                                     message):
    response = api.put("/gitops/configs/gitlab", json=_gitlab(validate=False, **body))

    error = error_of(response)
    assert response.status_code == 422
    assert message in " ".join(error["fields"][field])
    assert stored(app) == {}


@pytest.mark.parametrize("payload", [b"{not json", b"[1, 2]", b'"text"', b""])
def test_a_body_that_is_not_a_json_object_is_a_400(app, api, payload):
    response = api.put("/gitops/configs/gitlab", data=payload,
                       headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_json"


def test_a_body_that_is_not_json_is_a_415(app, api):
    response = api.put("/gitops/configs/gitlab", data="host=x",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert response.status_code == 415


def test_an_unknown_kind_is_a_404(api):
    assert api.get("/gitops/configs/gitea").status_code == 404
    response = api.put("/gitops/configs/gitea", json={})
    assert response.status_code == 404
    assert "github, gitlab" in error_of(response)["message"]


def test_list_and_show_never_carry_a_token(app, api):
    api.put("/gitops/configs/gitlab", json=_gitlab(validate=False))
    api.put("/gitops/configs/github", json={
        **{k: v for k, v in VALID["github"].items() if k != "save_without_validating"},
        "validate": False})

    listing = api.get("/gitops/configs")
    shown = api.get("/gitops/configs/gitlab")

    assert sorted(c["kind"] for c in listing.get_json()["items"]) == ["github", "gitlab"]
    assert [c["active"] for c in listing.get_json()["items"]].count(True) == 1
    assert shown.get_json()["group_id"] == "platform/apps"
    for response in (listing, shown):
        text = response.get_data(as_text=True)
        assert TOKENS["gitlab"] not in text and TOKENS["github"] not in text


def test_activate_switches_the_active_provider_without_revalidating(app, api):
    api.put("/gitops/configs/gitlab", json=_gitlab(validate=False))
    api.put("/gitops/configs/github", json={
        **{k: v for k, v in VALID["github"].items() if k != "save_without_validating"},
        "validate": False})

    response = api.post("/gitops/configs/gitlab/activate")

    assert response.status_code == 200
    assert response.get_json()["active"] is True
    assert {kind: row.active for kind, row in stored(app).items()} == {
        "github": False, "gitlab": True}
    assert api.post("/gitops/configs/bitbucket_cloud/activate").status_code == 404


def test_delete_refuses_the_active_provider_unless_told_to_leave_gitops_off(app, api):
    api.put("/gitops/configs/gitlab", json=_gitlab(validate=False))

    refused = api.delete("/gitops/configs/gitlab")
    deleted = api.delete("/gitops/configs/gitlab?leave_unconfigured=true")

    assert (refused.status_code, error_of(refused)["code"]) == (409, "delete_refused")
    assert deleted.status_code == 204
    assert stored(app) == {}
    assert api.get("/gitops/status").get_json()["configured"] is False
    assert api.delete("/gitops/configs/gitlab?leave_unconfigured=true").status_code == 404
    assert api.delete("/gitops/configs/gitlab?leave_unconfigured=maybe").status_code == 400


def test_validate_without_a_body_revalidates_the_saved_configuration_and_records_it(
        app, api, harness, simulator):
    api.put(f"/gitops/configs/{harness.kind}",
            json={**body_for(harness, simulator), "validate": False})

    response = api.post(f"/gitops/configs/{harness.kind}/validate")

    assert response.status_code == 200
    assert response.get_json()["outcome"] in ("passed", "warning")
    assert stored(app)[harness.kind].validated_at is not None
    assert api.get("/gitops/status").get_json()["validated"] is True


def test_validate_with_a_body_checks_those_values_and_stores_nothing(
        app, api, harness, simulator):
    response = api.post(f"/gitops/configs/{harness.kind}/validate",
                        json=body_for(harness, simulator, token=harness.tokens["wrong"]))

    assert response.status_code == 200
    assert response.get_json()["outcome"] == "failed"
    assert stored(app) == {}


def test_each_change_is_audited_as_the_token(app, api):
    api.put("/gitops/configs/gitlab", json=_gitlab(validate=False))
    api.delete("/gitops/configs/gitlab?leave_unconfigured=true")

    with app.app_context():
        actions = [(e.action, e.actor) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("config_%")).order_by(AuditEvent.id))]
    assert actions == [("config_saved", "ci (API token)"), ("config_activated", "ci (API token)"),
                       ("config_deleted", "ci (API token)")]
