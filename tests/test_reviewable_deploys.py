"""Deploys a team can review and undo, against each provider's simulator: preview, pull-
request mode, rollback, clean-up (driven through the API; the pages are in test_review_pages)."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from tests.api_support import Api, error_of, make_token
from tests.provider_inputs import form_data
from webapp.deploy.chart import DEFAULT_VALUES
from webapp.extensions import db
from webapp.models import Application, AuditEvent, Deployment

V1 = DEFAULT_VALUES
V2 = DEFAULT_VALUES.replace("replicaCount: 1", "replicaCount: 2")
V3 = DEFAULT_VALUES.replace("replicaCount: 1", "replicaCount: 3")
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def app(make_app):
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, PROVIDER_READ_TIMEOUT=5.0)


def configure(api, harness, simulator, **options):
    saved = api.put(f"/gitops/configs/{harness.kind}",
                    json={**form_data(harness, simulator), "validate": False, **options})
    assert saved.status_code == 201, saved.get_json()


@pytest.fixture
def api(app, harness, simulator):
    api = Api(app, make_token(app, name="pipeline"))
    configure(api, harness, simulator)
    assert api.post("/apps", json={"name": "shop", "environments": ["dev", "prod"]}
                    ).status_code == 201
    return api


def deploy(api, values, env="dev", **extra):
    return api.post(f"/apps/shop/environments/{env}/deploy", json={"values": values, **extra})


def git(harness, simulator):
    return harness.git(simulator, "shop")


class TestPreview:
    def test_it_shows_the_exact_diff_and_sends_no_write(self, api, harness, simulator):
        assert deploy(api, V1).status_code == 201
        simulator.clear_log()

        response = api.post("/apps/shop/environments/dev/preview", json={"values": V2})

        shown = response.get_json()
        assert response.status_code == 200, shown
        assert [f["path"] for f in shown["files"]] == ["envs/dev/values.yaml"]
        assert "-replicaCount: 1\n+replicaCount: 2\n" in shown["files"][0]["diff"]
        assert shown["summary"] == "1 file (1 changed), +1 −1 lines."
        assert {exchange.method for exchange in simulator.calls()} <= {"GET"}
        assert git(harness, simulator).tip("main").message == "deploy shop to dev: revision 1"

    def test_nothing_to_change_is_said(self, api):
        deploy(api, V1)

        shown = api.post("/apps/shop/environments/dev/preview", json={"values": V1}).get_json()

        assert shown["unchanged"] is True and shown["files"] == []

    def test_a_first_deploy_previews_every_file_as_new_and_creates_nothing(
            self, api, harness, simulator):
        shown = api.post("/apps/shop/environments/dev/preview", json={"values": V1}).get_json()

        assert shown["new_repository"] is True
        assert {f["change"] for f in shown["files"]} == {"added"}
        assert "envs/dev/application.yaml" in [f["path"] for f in shown["files"]]
        assert git(harness, simulator) is None  # no repository was made

    def test_a_deploy_holding_the_preview_hash_lands_and_a_changed_one_is_refused(
            self, api, harness, simulator):
        deploy(api, V1)
        reviewed = api.post("/apps/shop/environments/dev/preview",
                            json={"values": V2}).get_json()["preview_hash"]

        stale = deploy(api, V3, preview_hash=reviewed)
        landed = deploy(api, V2, preview_hash=reviewed)

        assert (stale.status_code, error_of(stale)["code"]) == (409, "preview_outdated")
        assert landed.status_code == 201
        values = git(harness, simulator).tip("main").files["envs/dev/values.yaml"]
        assert yaml.safe_load(values)["replicaCount"] == 2

    def test_the_first_deploy_matches_its_preview_though_the_repository_was_new(self, api):
        reviewed = api.post("/apps/shop/environments/dev/preview",
                            json={"values": V1}).get_json()["preview_hash"]

        assert deploy(api, V1, preview_hash=reviewed).status_code == 201

    def test_a_configuration_may_require_a_preview(self, app, api, harness, simulator):
        version = api.get(f"/gitops/configs/{harness.kind}").get_json()["version"]
        body = {**form_data(harness, simulator), "validate": False, "version": version,
                "require_preview": True}
        assert api.put(f"/gitops/configs/{harness.kind}", json=body).status_code == 200

        refused = deploy(api, V1)
        reviewed = api.post("/apps/shop/environments/dev/preview",
                            json={"values": V1}).get_json()["preview_hash"]

        assert refused.status_code == 422
        assert "must be previewed first" in error_of(refused)["message"]
        assert deploy(api, V1, preview_hash=reviewed).status_code == 201


class TestPullRequestMode:
    @pytest.fixture
    def proposing(self, api, harness, simulator):
        deploy(api, V1)  # the first deploy of an application makes its repository
        version = api.get(f"/gitops/configs/{harness.kind}").get_json()["version"]
        assert api.put(f"/gitops/configs/{harness.kind}", json={
            **form_data(harness, simulator), "validate": False, "version": version,
            "pull_requests": True}).status_code == 200
        return api

    def test_a_deploy_opens_one_request_and_leaves_the_branch_alone(
            self, proposing, harness, simulator):
        before = git(harness, simulator).tip("main").sha

        response = deploy(proposing, V2)

        result = response.get_json()
        assert response.status_code == 201, result
        assert result["deployment"]["outcome"] == "proposed"
        request = result["deployment"]["request"]
        assert request["state"] == "open" and request["url"].startswith(simulator.url)
        assert result["deployment"]["branch"] == "gitops/shop/dev/2"
        [review] = git(harness, simulator).reviews.find()
        assert (review.source, review.target) == ("gitops/shop/dev/2", "main")
        assert "replicaCount" in review.description
        assert git(harness, simulator).tip("main").sha == before
        assert yaml.safe_load(git(harness, simulator).tip("gitops/shop/dev/2")
                              .files["envs/dev/values.yaml"])["replicaCount"] == 2

    def test_an_identical_open_request_is_reused_never_duplicated(
            self, proposing, harness, simulator):
        first = deploy(proposing, V2).get_json()["deployment"]
        second = deploy(proposing, V2).get_json()["deployment"]

        assert second["outcome"] == "proposed"
        assert second["request"]["number"] == first["request"]["number"]
        assert "reused" in second["message"]
        assert len(git(harness, simulator).reviews.find()) == 1
        third = deploy(proposing, V3).get_json()["deployment"]
        assert third["request"]["number"] != first["request"]["number"]
        assert len(git(harness, simulator).reviews.find(state="open")) == 2

    def test_merging_shows_merged_in_the_history_after_one_request(
            self, proposing, harness, simulator):
        proposed = deploy(proposing, V2).get_json()["deployment"]
        git(harness, simulator).reviews.merge(int(proposed["request"]["number"]))
        simulator.clear_log()

        refreshed = proposing.post(f"/deployments/{proposed['id']}/refresh")

        assert refreshed.status_code == 200
        assert refreshed.get_json()["request"]["state"] == "merged"
        assert len(simulator.calls()) == 1
        assert yaml.safe_load(git(harness, simulator).tip("main")
                              .files["envs/dev/values.yaml"])["replicaCount"] == 2
        listed = proposing.get("/deployments?app=shop").get_json()["items"][0]
        assert listed["request"]["state"] == "merged"

    def test_closing_shows_closed(self, proposing, harness, simulator):
        proposed = deploy(proposing, V2).get_json()["deployment"]
        git(harness, simulator).reviews.close(int(proposed["request"]["number"]))

        refreshed = proposing.post(f"/deployments/{proposed['id']}/refresh").get_json()

        assert refreshed["request"]["state"] == "closed"

    def test_a_change_already_on_the_branch_opens_nothing(self, proposing, harness, simulator):
        response = deploy(proposing, V1)

        assert response.status_code == 200
        assert response.get_json()["deployment"]["outcome"] == "unchanged"
        assert git(harness, simulator).reviews.find() == []


class TestRollback:
    def test_rolling_back_to_revision_1_after_3_commits_its_files_exactly(
            self, app, api, harness, simulator):
        for values in (V1, V2, V3):
            assert deploy(api, values).status_code == 201
        first = git(harness, simulator).history("main")[-1 if not harness.initial_files
                                                        else -2]
        assert first.message == "deploy shop to dev: revision 1"

        preview = api.post("/apps/shop/environments/dev/rollback-preview",
                           json={"revision": 1}).get_json()
        response = api.post("/apps/shop/environments/dev/rollback",
                            json={"revision": 1, "preview_hash": preview["preview_hash"]})

        result = response.get_json()
        assert response.status_code == 201, result
        assert result["deployment"]["rollback_of"] == 1
        tip = git(harness, simulator).tip("main")
        assert tip.message == "roll back shop in dev to revision 1: revision 4"
        with app.app_context():
            written = db.session.scalar(select(Deployment.files)
                                        .where(Deployment.revision == 1))
        assert {path: tip.files[path].decode() for path in written} == written

    def test_a_revision_that_wrote_nothing_cannot_be_restored(self, api):
        response = api.post("/apps/shop/environments/dev/rollback", json={"revision": 7})

        assert response.status_code == 422
        assert "no revision 7" in error_of(response)["message"]


class TestCleanUp:
    def test_deleting_an_environment_removes_exactly_its_files_in_one_commit(
            self, app, api, harness, simulator):
        deploy(api, V1, env="dev")
        deploy(api, V1, env="prod")
        api.post("/apps/shop/environments/prod/chart-deploy", json={
            "repository": "oci://registry.example.com/charts", "chart": "web",
            "version": "1.0.0", "values": {}})
        before = git(harness, simulator).tip("main")

        response = api.delete("/apps/shop/environments/prod")

        assert response.status_code == 200, response.get_json()
        after = git(harness, simulator).tip("main")
        assert after.parents == (before.sha,)
        removed = {path for path in before.files if path not in after.files}
        assert removed == {path for path in before.files
                           if path.startswith(("envs/prod/", "shop-prod/"))}
        assert sorted(response.get_json()["removed"]) == sorted(removed)
        assert [e["name"] for e in api.get("/apps/shop").get_json()["environments"]] == ["dev"]
        assert len(api.get("/deployments?app=shop").get_json()["items"]) == 3

    def test_deleting_an_application_keeps_its_repository_unless_asked(
            self, app, api, harness, simulator):
        deploy(api, V1)

        response = api.delete("/apps/shop")

        assert response.get_json() == {"deleted": "shop", "repository_deleted": False}
        assert git(harness, simulator) is not None
        assert api.get("/apps/shop").status_code == 404
        with app.app_context():
            kept = db.session.scalar(select(Deployment))
            assert (kept.application, kept.application_id) == ("shop", None)
            [event] = db.session.scalars(select(AuditEvent).where(
                AuditEvent.action == "application_deleted"))
            assert event.actor == "pipeline (API token)"

    def test_deleting_an_application_with_its_repository(self, app, api, harness, simulator):
        deploy(api, V1)

        response = api.delete("/apps/shop?delete_repository=true")

        assert response.get_json()["repository_deleted"] is True
        assert git(harness, simulator) is None

    def test_a_token_that_may_not_delete_deletes_nothing(self, app, api, harness, simulator):
        deploy(api, V1)
        simulator.fault(harness.operations["delete"], status=403,
                        body=harness.error_body(403, "no delete permission"))

        response = api.delete("/apps/shop?delete_repository=true")

        assert response.status_code == 502
        assert "may not delete" in error_of(response)["message"]
        assert git(harness, simulator) is not None
        with app.app_context():
            assert db.session.scalar(select(Application.name)) == "shop"


# Requests through the app, after a first deploy (so the branch state is known): a preview
# of a changed value, a preview of no change, a proposal, a reused proposal, a refresh.
# docs/providers.md lists the same numbers.
COSTS = {"github": (2, 1, 8, 3, 1), "gitlab": (2, 1, 6, 3, 1),
         "azure_devops": (2, 1, 6, 3, 1), "bitbucket_cloud": (2, 1, 8, 3, 1)}


def test_the_request_counts_of_previews_and_proposals(api, harness, simulator):
    counts = []
    deploy(api, V1)

    def measure(call):
        simulator.clear_log()
        call()
        counts.append(len(simulator.calls()))
    measure(lambda: api.post("/apps/shop/environments/dev/preview", json={"values": V2}))
    measure(lambda: api.post("/apps/shop/environments/dev/preview", json={"values": V1}))
    version = api.get(f"/gitops/configs/{harness.kind}").get_json()["version"]
    api.put(f"/gitops/configs/{harness.kind}", json={
        **form_data(harness, simulator), "validate": False, "version": version,
        "pull_requests": True})
    measure(lambda: deploy(api, V2))
    measure(lambda: deploy(api, V2))
    latest = api.get("/deployments?app=shop").get_json()["items"][0]["id"]
    measure(lambda: api.post(f"/deployments/{latest}/refresh"))

    assert tuple(counts) == COSTS[harness.kind]
