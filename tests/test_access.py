"""Who may reach which route: every rule of app.url_map, anonymous, viewer and admin."""

from __future__ import annotations

import pytest

from tests.conftest import VIEWER, csrf_token, signed_in

PUBLIC = {"static", "auth.sign_in", "auth.submit_sign_in", "health.healthz", "health.readyz",
          "api.openapi"}
# A viewer may end their own session and change their own password; nothing else.
VIEWER_MAY_POST = {"auth.sign_out", "auth.change_password", "deploy.refresh_request",
                   "api.refresh_deployment"}
SAMPLE_ARGUMENTS = {"kind_id": "github", "name": "shop", "filename": "css/app.css",
                    "token_id": 1, "kind": "github", "env": "dev", "deployment_id": 1}


def rules(app, methods=None):
    """(endpoint, url, method) for every rule and method of app."""
    found = []
    for rule in app.url_map.iter_rules():
        url = rule.build({key: SAMPLE_ARGUMENTS[key] for key in rule.arguments},
                         append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if methods is None or method in methods:
                found.append((rule.endpoint, url, method))
    return found


# Every endpoint, listed by hand: a new route fails this test until someone decides whether
# it is public and what a viewer may do with it (the tables above).
ENDPOINTS = PUBLIC | VIEWER_MAY_POST | {
    "index", "audit.events", "auth.password_page",
    "settings.gitops", "settings.save_config", "settings.validate_config",
    "settings.revalidate_config", "settings.activate_config", "settings.confirm_delete",
    "settings.delete_provider",
    "deploy.deployment_template", "deploy.charts", "deploy.deploy_template",
    "deploy.deploy_chart", "deploy.create_application", "deploy.create_environment",
    "deploy.set_repository_url",
    "deploy.preview_template", "deploy.preview_chart", "deploy.preview_rollback",
    "deploy.rollback", "deploy.refresh_request", "deploy.confirm_delete_application",
    "deploy.delete_application", "deploy.confirm_delete_environment",
    "deploy.delete_environment",
    "tokens.list_tokens", "tokens.create_token", "tokens.revoke_token",
    "api.list_configs", "api.gitops_status", "api.get_config", "api.put_config",
    "api.delete_config", "api.validate_config", "api.activate_config", "api.list_apps",
    "api.create_app", "api.get_app", "api.add_environment", "api.set_repository",
    "api.deploy_template", "api.deploy_chart", "api.list_deployments", "api.get_deployment",
    "api.audit_events", "api.preview_template", "api.preview_chart", "api.preview_rollback",
    "api.rollback", "api.refresh_deployment", "api.delete_environment",
    "api.delete_application",
}


def test_the_route_table_is_what_these_tests_expect(app):
    endpoints = {endpoint for endpoint, _url, _method in rules(app)}
    assert endpoints == ENDPOINTS


def test_every_non_public_route_sends_a_stranger_to_sign_in(app):
    client = app.test_client()
    for endpoint, url, method in rules(app):
        if endpoint in PUBLIC:
            continue
        if endpoint.startswith("api."):  # the API asks for a token instead
            answer = client.open(url, method=method)
            assert answer.status_code == 401, endpoint
            assert answer.get_json()["error"]["code"] == "unauthenticated"
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
            continue
        page = client.open(url, method=method)
        assert page.status_code == 303, (endpoint, method, page.status_code)
        assert "/sign-in?next=" in page.headers["Location"], endpoint

        htmx = client.open(url, method=method, headers={"HX-Request": "true"})
        assert htmx.status_code == 401, endpoint
        assert htmx.headers["HX-Redirect"].startswith("/sign-in")

        api = client.open(url, method=method, headers={"Accept": "application/json"})
        assert api.status_code == 401, endpoint
        assert api.get_json()["error"] == "Sign in first."


def test_public_routes_answer_strangers(app):
    client = app.test_client()
    assert client.get("/sign-in").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200


def test_every_changing_route_refuses_a_viewer_with_403(app):
    client = signed_in(app, VIEWER)
    token = csrf_token(client, "/charts")
    for endpoint, url, method in rules(app, {"POST", "PUT", "PATCH", "DELETE"}):
        if endpoint in PUBLIC or endpoint in VIEWER_MAY_POST:
            continue
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 403, (endpoint, response.status_code)
        if endpoint.startswith("api."):
            assert response.get_json()["error"]["code"] == "forbidden", endpoint


@pytest.mark.parametrize("url", ["/audit", "/settings/api-tokens", "/api/v1/audit"])
def test_admin_pages_refuse_a_viewer(app, url):
    assert signed_in(app, VIEWER).get(url).status_code == 403
    assert signed_in(app).get(url).status_code == 200


def test_every_changing_route_refuses_a_request_without_a_csrf_token(app):
    client = signed_in(app)
    for endpoint, url, method in rules(app, {"POST", "PUT", "PATCH", "DELETE"}):
        response = client.open(url, method=method, data={})
        if endpoint.startswith("api."):  # a cookie call to the API: 403 in the API's shape
            assert response.status_code == 403, (endpoint, response.status_code)
            assert response.get_json()["error"]["code"] == "csrf_failed", endpoint
            continue
        assert response.status_code == 400, (endpoint, response.status_code)


@pytest.mark.parametrize("url", ["/settings/gitops", "/deployment-template", "/charts"])
def test_a_viewer_sees_the_pages_with_their_controls_disabled(app, url):
    page = signed_in(app, VIEWER).get(url).get_data(as_text=True)

    assert "you can look, but only an admin can change" in page
    assert "Audit log" not in page
