"""/api/v1/apps, deploys and the history through the API, against each provider's simulator."""

from __future__ import annotations

import pytest
import yaml

from tests.api_support import Api, error_of, make_token
from tests.provider_inputs import form_data
from webapp.deploy.chart import DEFAULT_VALUES

VALUES = yaml.safe_load(DEFAULT_VALUES)


@pytest.fixture
def app(make_app):
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, PROVIDER_READ_TIMEOUT=5.0)


@pytest.fixture
def api(app):
    return Api(app, make_token(app, name="pipeline"))


@pytest.fixture
def ready(api, harness, simulator):
    """A provider configured on the simulator and an application shop (dev, prod)."""
    saved = api.put(f"/gitops/configs/{harness.kind}",
                    json={**form_data(harness, simulator), "validate": False})
    assert saved.status_code == 201, saved.get_json()
    assert api.post("/apps", json={"name": "shop", "environments": ["dev", "prod"]}
                    ).status_code == 201
    return api


def test_a_deploy_from_yaml_text_commits_and_answers_201(ready, harness, simulator):
    response = ready.post("/apps/shop/environments/dev/deploy", json={"values": DEFAULT_VALUES})

    result = response.get_json()
    assert response.status_code == 201, result
    assert result["changed"] is True
    assert result["deployment"]["revision"] == 1
    assert result["deployment"]["outcome"] == "deployed"
    assert result["deployment"]["actor"] == "pipeline (API token)"
    tip = harness.git(simulator, "shop").tip("main")
    assert result["commit_sha"] == tip.sha
    assert "kind: Application" in result["manifest"]


def test_values_as_a_json_object_deploy_the_same_files_and_the_second_is_no_change(
        ready, harness, simulator):
    first = ready.post("/apps/shop/environments/dev/deploy", json={"values": DEFAULT_VALUES})
    second = ready.post("/apps/shop/environments/dev/deploy", json={"values": VALUES})

    assert first.status_code == 201
    values_file = harness.git(simulator, "shop").tip("main").files["envs/dev/values.yaml"]
    assert yaml.safe_load(values_file) == VALUES
    # The same values in another spelling are a new commit of the same settings, or none.
    assert second.status_code in (200, 201)
    third = ready.post("/apps/shop/environments/dev/deploy", json={"values": VALUES})
    assert third.status_code == 200
    assert third.get_json()["changed"] is False


def test_values_that_break_the_schema_are_named_with_their_line(ready, simulator):
    simulator.clear_log()
    response = ready.post("/apps/shop/environments/dev/deploy",
                          json={"values": "replicaCount: many\n"})

    error = error_of(response)
    assert response.status_code == 422
    assert error["code"] == "invalid_values"
    assert "line 1" in error["fields"]["values"][0]
    assert simulator.calls() == []


@pytest.mark.parametrize("values", [42, ["a"], True])
def test_values_of_another_type_are_refused(ready, values):
    response = ready.post("/apps/shop/environments/dev/deploy", json={"values": values})

    assert response.status_code == 422
    assert "values" in error_of(response)["fields"]


def test_an_unknown_application_or_environment_is_a_404(ready):
    assert ready.post("/apps/nope/environments/dev/deploy", json={"values": ""}
                      ).status_code == 404
    response = ready.post("/apps/shop/environments/qa/deploy", json={"values": ""})
    assert response.status_code == 404
    assert "shop has no environment qa" in error_of(response)["message"]


def test_deploying_without_an_active_provider_is_a_409(api):
    api.post("/apps", json={"name": "shop", "environments": ["dev"]})

    response = api.post("/apps/shop/environments/dev/deploy", json={"values": DEFAULT_VALUES})

    assert response.status_code == 409
    assert error_of(response)["code"] == "gate_closed"


def test_a_chart_deploy_commits_a_wrapper_chart(ready, harness, simulator):
    response = ready.post("/apps/shop/environments/prod/chart-deploy", json={
        "repository": "https://charts.bitnami.com/bitnami", "chart": "nginx",
        "version": "15.0.0", "values": {"replicaCount": 2}})

    assert response.status_code == 201, response.get_json()
    chart = yaml.safe_load(harness.git(simulator, "shop").tip("main").files["shop-prod/Chart.yaml"])
    assert chart["dependencies"][0] == {"name": "nginx", "version": "15.0.0",
                                        "repository": "https://charts.bitnami.com/bitnami"}
    assert response.get_json()["deployment"]["chart"]["version"] == "15.0.0"


def test_a_chart_deploy_names_each_missing_field(ready):
    response = ready.post("/apps/shop/environments/prod/chart-deploy",
                          json={"chart": "Not A Name", "version": "1"})

    fields = error_of(response)["fields"]
    assert response.status_code == 422
    assert set(fields) == {"repository", "chart", "version"}


def test_the_history_lists_newest_first_by_page_and_by_application(ready, harness):
    ready.post("/apps", json={"name": "cart", "environments": ["dev"]})
    for replicas in (1, 2, 3):
        ready.post("/apps/shop/environments/dev/deploy",
                   json={"values": {**VALUES, "replicaCount": replicas}})
    ready.post("/apps/cart/environments/dev/deploy", json={"values": DEFAULT_VALUES})

    page = ready.get("/deployments?per_page=2").get_json()
    following = ready.client.get(page["next"], headers=ready.headers).get_json()
    shop = ready.get("/deployments?app=shop").get_json()

    assert [(d["application"], d["revision"]) for d in page["items"]] == [
        ("cart", 1), ("shop", 3)]
    assert [(d["application"], d["revision"]) for d in following["items"]] == [
        ("shop", 2), ("shop", 1)]
    assert following["next"] is None
    assert [d["revision"] for d in shop["items"]] == [3, 2, 1]
    assert "values" not in shop["items"][0]
    one = ready.get(f"/deployments/{shop['items'][0]['id']}").get_json()
    assert yaml.safe_load(one["values"])["replicaCount"] == 3


@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "before=x", "per_page=-1"])
def test_bad_paging_is_a_400(api, query):
    response = api.get(f"/deployments?{query}")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_applications_are_listed_and_read_with_their_environments(api):
    api.post("/apps", json={"name": "shop", "environments": ["dev", "prod"]})
    added = api.post("/apps/shop/environments", json={"name": "staging"})

    assert added.status_code == 201
    assert [e["name"] for e in api.get("/apps/shop").get_json()["environments"]] == [
        "dev", "prod", "staging"]
    assert [a["name"] for a in api.get("/apps").get_json()["items"]] == ["shop"]
    assert api.get("/apps/cart").status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "Shop!"}, "name"),
    ({"name": "shop", "environments": "dev"}, "environments"),
    ({"name": "shop", "environments": ["Dev Env"]}, "environments"),
    ({"name": "s" * 40, "environments": ["e" * 20]}, "environments"),
])
def test_bad_application_input_names_the_field(api, body, field):
    response = api.post("/apps", json=body)

    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    assert api.get("/apps").get_json()["items"] == []


def test_a_taken_application_name_is_refused(api):
    api.post("/apps", json={"name": "shop"})
    response = api.post("/apps", json={"name": "shop"})

    assert response.status_code == 422
    assert "already exists" in error_of(response)["fields"]["name"][0]


def test_the_audit_log_pages_like_the_history(api):
    for number in range(3):
        api.post("/apps", json={"name": f"app{number}", "environments": []})

    page = api.get("/audit?per_page=2").get_json()

    assert len(page["items"]) == 2
    assert page["items"][0]["id"] > page["items"][1]["id"]
    assert page["next"] is not None
