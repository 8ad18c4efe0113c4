"""The OpenAPI description matches the routes, and real answers match the description."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from tests.api_support import Api, make_token
from tests.provider_inputs import form_data
from webapp.api.openapi import API_PREFIX
from webapp.deploy.chart import DEFAULT_VALUES
from webapp.providers import KINDS


@pytest.fixture
def app(make_app):
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True)


@pytest.fixture
def document(app) -> dict:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def routed(app) -> set[tuple[str, str]]:
    """(method, path) of every API route, with <kind> spelled out for each provider kind."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule[len(API_PREFIX):])
        paths = [path.replace("{kind}", kind) for kind in KINDS] if "{kind}" in path \
            else [path]
        found |= {(method, p) for p in paths for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def documented(document: dict) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, operations in document["paths"].items()
            for method in operations}


def test_every_route_is_documented_and_every_documented_path_exists(app, document):
    assert routed(app) == documented(document)
    assert document["openapi"].startswith("3.1")


def test_an_undocumented_api_route_stops_the_description_from_being_built(make_app):
    from flask import Flask

    from webapp.api.openapi import describe
    bare = Flask(__name__)
    bare.add_url_rule(API_PREFIX + "/secret", "api.secret", lambda: "")
    with pytest.raises(LookupError, match=r"api\.secret"):
        describe(bare)


def test_the_description_is_a_valid_openapi_3_1_document(document):
    from openapi_spec_validator import validate
    validate(document)


def test_request_bodies_follow_the_forms(document):
    schemas = document["components"]["schemas"]
    gitlab = schemas["ConfigInput_gitlab"]
    assert gitlab["additionalProperties"] is False
    assert gitlab["properties"]["group_id"]["maxLength"] == 255
    assert {"group_id", "username"} <= set(gitlab["required"])
    assert "skip_tls_verify" not in gitlab["properties"]
    assert gitlab["properties"]["verify_tls"]["type"] == "boolean"
    assert "credential_type" in schemas["ConfigInput_bitbucket_cloud"]["properties"]
    assert "credential_type" not in gitlab["properties"]
    assert schemas["ChartDeployInput"]["required"] == ["repository", "chart", "version"]


def validator_for(document: dict, method: str, path: str, status: int):
    operation = document["paths"][path][method.lower()]
    answer = operation["responses"][str(status)]
    schema = answer["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": document["components"]})


def template_path(document: dict, url: str) -> str:
    """The documented path a concrete URL below /api/v1 belongs to."""
    for path in document["paths"]:
        pattern = "^" + re.sub(r"\{\w+\}", "[^/]+", path) + "$"
        if re.match(pattern, url):
            return path
    raise AssertionError(f"{url} is not documented")


def test_real_answers_match_their_documented_schemas(app, document, harness, simulator):
    api = Api(app, make_token(app))
    calls = [
        ("GET", "/gitops/status", None),
        ("PUT", f"/gitops/configs/{harness.kind}", form_data(harness, simulator)),
        ("GET", "/gitops/configs", None),
        ("GET", f"/gitops/configs/{harness.kind}", None),
        ("POST", f"/gitops/configs/{harness.kind}/validate", None),
        ("POST", f"/gitops/configs/{harness.kind}/activate", None),
        ("POST", "/apps", {"name": "shop", "environments": ["dev"]}),
        ("POST", "/apps/shop/environments", {"name": "prod"}),
        ("POST", "/apps/shop/environments/dev/deploy", {"values": DEFAULT_VALUES}),
        ("POST", "/apps/shop/environments/dev/deploy", {"values": DEFAULT_VALUES}),
        ("POST", "/apps/shop/environments/prod/chart-deploy",
         {"repository": "oci://registry.example.com/charts", "chart": "web",
          "version": "1.0.0", "values": {}}),
        ("GET", "/apps", None), ("GET", "/apps/shop", None),
        ("GET", "/deployments", None), ("GET", "/deployments/1", None),
        ("GET", "/audit", None),
        ("POST", "/apps/shop/environments/dev/deploy", {"values": "replicaCount: x"}),
        ("GET", "/apps/none", None),
        ("PUT", f"/gitops/configs/{harness.kind}", {"colour": "blue"}),
    ]
    for method, url, body in calls:
        response = api.call(method, url, json=body)
        path = template_path(document, url)
        assert str(response.status_code) in document["paths"][path][method.lower()][
            "responses"], (method, url, response.status_code)
        errors = list(validator_for(document, method, path, response.status_code)
                      .iter_errors(response.get_json()))
        assert errors == [], (method, url, [error.message for error in errors])
