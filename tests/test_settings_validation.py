"""Validate and Save on the settings page, against each provider's simulator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.provider_inputs import form_data
from webapp.extensions import db
from webapp.models import GitOpsConfig


@pytest.fixture
def app(make_app):
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, PROVIDER_READ_TIMEOUT=5.0)


def post(client, url, data, **headers):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)}, headers=headers)


def stored(app) -> dict[str, GitOpsConfig]:
    with app.app_context():
        return {c.kind: c for c in db.session.scalars(select(GitOpsConfig))}


def test_validate_shows_every_stage_and_saves_nothing(app, client, harness, simulator):
    response = post(client, f"/settings/gitops/{harness.kind}/validate",
                    form_data(harness, simulator))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.startswith("<!doctype html>")
    assert page.count('class="stage passed"') + page.count('class="stage warning"') == 8
    assert stored(app) == {}
    assert harness.tokens["good"] not in page


def test_validate_through_htmx_returns_only_the_stage_list(app, client, harness, simulator):
    response = post(client, f"/settings/gitops/{harness.kind}/validate",
                    form_data(harness, simulator), **{"HX-Request": "true"})

    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<section id="validation-results"')
    assert 'data-stage="delete_repository"' in page


def test_save_validates_first_then_activates_with_the_green_tick(app, client, harness,
                                                                 simulator):
    response = post(client, f"/settings/gitops/{harness.kind}", form_data(harness, simulator))

    assert response.status_code == 303
    config = stored(app)[harness.kind]
    assert config.active
    assert config.validation_outcome in ("passed", "warning")
    assert config.validated_at is not None
    assert config.last_validation["stages"][0]["id"] == "connect"
    assert harness.tokens["good"] not in str(config.last_validation)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    tab = page.split(f'data-kind="{harness.kind}"', 1)[1].split("</a>", 1)[0]
    assert 'class="tick" title="Active and validated"' in tab
    assert "Last validation" in page


def test_a_failing_stage_stores_nothing_and_keeps_the_active_provider(app, client, harness,
                                                                     simulator):
    other = "github" if harness.kind != "github" else "gitlab"
    from tests.provider_inputs import VALID
    post(client, f"/settings/gitops/{other}", VALID[other])

    response = post(client, f"/settings/gitops/{harness.kind}",
                    form_data(harness, simulator, token=harness.tokens["wrong"]))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was saved" in page
    assert 'class="stage failed" data-stage="authenticate"' in page
    configs = stored(app)
    assert harness.kind not in configs
    assert configs[other].active
    assert harness.tokens["wrong"] not in page


def test_save_without_validating_activates_and_is_marked(app, client, harness, simulator):
    response = post(client, f"/settings/gitops/{harness.kind}",
                    form_data(harness, simulator, save_without_validating="y"))

    assert response.status_code == 303
    config = stored(app)[harness.kind]
    assert config.active
    assert config.validation_outcome is None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Active, not validated" in page
    assert simulator.calls() == []


def test_revalidate_records_a_new_outcome(app, client, harness, simulator):
    post(client, f"/settings/gitops/{harness.kind}", form_data(harness, simulator))
    simulator.fault(harness.operations["identity"], status=401, times=None,
                    body=harness.error_body(401, "token revoked"))

    response = post(client, f"/settings/gitops/{harness.kind}/revalidate", {})

    assert response.status_code == 303
    config = stored(app)[harness.kind]
    assert config.validation_outcome == "failed"
    page = client.get(f"/settings/gitops/{harness.kind}").get_data(as_text=True)
    assert "Active, last validation failed" in page


def test_validation_runs_outside_any_database_transaction(app, client, harness, simulator,
                                                          monkeypatch):
    import webapp.configs.validate as checks
    seen = []
    real = checks.run_validation

    def watching(provider, plan):
        seen.append(db.session().in_transaction())
        return real(provider, plan)

    monkeypatch.setattr(checks, "run_validation", watching)
    post(client, f"/settings/gitops/{harness.kind}", form_data(harness, simulator))

    assert seen == [False]


def test_precreated_repositories_need_a_repository_to_validate_with(app, client, harness,
                                                                   simulator):
    response = post(client, f"/settings/gitops/{harness.kind}/validate",
                    form_data(harness, simulator, repositories_precreated="y"))

    assert response.status_code == 422
    assert "Name an existing repository" in response.get_data(as_text=True)


def test_an_invalid_form_on_htmx_validate_retargets_the_whole_panel(app, client, harness,
                                                                    simulator):
    response = post(client, f"/settings/gitops/{harness.kind}/validate",
                    form_data(harness, simulator, username=""), **{"HX-Request": "true"})

    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#gitops-panel"
