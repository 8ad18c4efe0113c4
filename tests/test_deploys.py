"""Deploying applications and charts through each provider's simulator."""

from __future__ import annotations

import html
import re
import threading

import pytest
import yaml
from sqlalchemy import select

from tests.conftest import csrf_token, signed_in
from tests.provider_inputs import VALID, form_data
from webapp.deploy.chart import DEFAULT_VALUES, TOKEN_PLACEHOLDER
from webapp.extensions import db
from webapp.models import Deployment

VALUES_V1 = DEFAULT_VALUES
VALUES_V2 = DEFAULT_VALUES.replace('tag: "1.27"', 'tag: "1.28"').replace("replicaCount: 1",
                                                                         "replicaCount: 3")


@pytest.fixture
def app(make_app):
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, PROVIDER_READ_TIMEOUT=5.0)


def post(client, url, data, **headers):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/charts")},
                       headers=headers)


def configure(client, harness, simulator, **changes):
    response = post(client, f"/settings/gitops/{harness.kind}",
                    form_data(harness, simulator, save_without_validating="y", **changes))
    assert response.status_code == 303, response.get_data(as_text=True)


def create_app(client, name="shop", environments="dev, prod", **extra):
    response = post(client, "/applications", {"name": name, "environments": environments,
                                              **extra})
    assert response.status_code == 303, response.get_data(as_text=True)


def deploy(client, target="shop/dev", values=VALUES_V1, **headers):
    return post(client, "/deployment-template", {"target": target, "values": values},
                **headers)


def history(app, source="template") -> list[Deployment]:
    with app.app_context():
        return list(db.session.scalars(select(Deployment).where(Deployment.source == source)
                                       .order_by(Deployment.id)))


@pytest.fixture
def ready(app, client, harness, simulator):
    """A provider configured on the simulator and an application shop (dev, prod)."""
    configure(client, harness, simulator)
    create_app(client)
    return client


@pytest.mark.databases
def test_deploy_change_and_redeploy(app, ready, harness, simulator):
    initial = 1 if harness.initial_files else 0

    first = deploy(ready)
    second = deploy(ready, values=VALUES_V2)
    third = deploy(ready, values=VALUES_V2)

    assert first.status_code == second.status_code == third.status_code == 200
    assert "Deployed shop to dev: revision 1." in first.get_data(as_text=True)
    assert "Deployed shop to dev: revision 2." in second.get_data(as_text=True)
    assert "No changes" in third.get_data(as_text=True)
    git = harness.git(simulator, "shop")
    commits = git.history("main")
    assert len(commits) == initial + 2
    assert commits[0].message == "deploy shop to dev: revision 2"
    assert commits[1].message == "deploy shop to dev: revision 1"
    files = commits[0].files
    assert yaml.safe_load(files["envs/dev/values.yaml"])["image"]["tag"] == "1.28"
    assert yaml.safe_load(files["envs/dev/values.yaml"])["replicaCount"] == 3
    assert yaml.safe_load(commits[1].files["envs/dev/values.yaml"])["image"]["tag"] == "1.27"
    assert yaml.safe_load(files["chart/Chart.yaml"])["name"] == "shop"
    assert {"chart/values.yaml", "chart/values.schema.json", "chart/templates/deployment.yaml",
            "chart/templates/service.yaml", "chart/templates/ingress.yaml"} <= set(files)
    manifest = yaml.safe_load(files["envs/dev/application.yaml"])
    assert manifest["kind"] == "Application"
    assert manifest["spec"]["source"]["path"] == "chart"
    assert manifest["spec"]["source"]["targetRevision"] == "main"
    assert manifest["spec"]["source"]["helm"]["valueFiles"] == ["../envs/dev/values.yaml"]
    assert manifest["spec"]["source"]["repoURL"].startswith(simulator.url)
    attempts = history(app)
    assert [d.outcome for d in attempts] == ["deployed", "deployed", "unchanged"]
    page = ready.get("/deployment-template").get_data(as_text=True)
    assert re.findall(r'<tr class="outcome-(\w+)">', page) == ["unchanged", "deployed",
                                                              "deployed"]  # newest first
    assert f">{commits[0].sha[:12]}</a>" in page and f">{commits[1].sha[:12]}</a>" in page
    assert attempts[1].commit_sha == commits[0].sha
    assert [d.revision for d in attempts] == [1, 2, 3]


def test_the_result_links_the_commit_and_shows_the_manifest(ready, harness, simulator):
    page = deploy(ready, **{"HX-Request": "true"}).get_data(as_text=True)

    sha = harness.git(simulator, "shop").tip("main").sha
    assert page.lstrip().startswith('<section id="deploy-panel"')
    assert f">{sha[:12]}</a>" in page
    assert "argoproj.io/v1alpha1" in page
    assert "Clone URL" in page
    assert page.count("<tr class=\"outcome-") == 1


GIT_USERNAMES = {"github": "octocat", "gitlab": "jane.doe", "azure_devops": "jane@example.com",
                 "bitbucket_cloud": "x-bitbucket-api-token-auth"}  # API token: fixed git user


def test_the_result_gives_argo_cd_a_repository_secret_without_the_saved_token(
        ready, harness, simulator):
    page = deploy(ready, **{"HX-Request": "true"}).get_data(as_text=True)

    def shown(css_class):
        code = page.split(f'class="{css_class}"><code>', 1)[1].split("</code>")[0]
        return yaml.safe_load(html.unescape(code))

    secret, application = shown("manifest repository-secret"), shown("manifest")
    assert secret["kind"] == "Secret"
    assert secret["metadata"]["labels"] == {"argocd.argoproj.io/secret-type": "repository"}
    # Argo CD matches the Secret to the Application by URL: they must be the same.
    assert secret["stringData"]["url"] == application["spec"]["source"]["repoURL"]
    assert secret["stringData"]["url"].startswith(simulator.url + "/")
    assert secret["stringData"]["username"] == GIT_USERNAMES[harness.kind]
    assert secret["stringData"]["password"] == TOKEN_PLACEHOLDER
    assert harness.tokens["good"] not in page


@pytest.mark.parametrize(("values", "expected"), [
    ("image:\n  tag: [1.0\n", "line 3"),
    ("replicaCount: 1\nreplicaCount: 2\n", "appears twice"),
    (DEFAULT_VALUES.replace("replicaCount: 1", "replicaCount: -1"), "replicaCount"),
    (DEFAULT_VALUES.replace("containerPort: 80", "containerPort: http"), "line 8"),
    (DEFAULT_VALUES + "replicas: 2\n", "unknown key"),
    ("- just\n- a list\n", "must be a mapping"),
])
def test_bad_values_are_refused_with_line_or_key_and_nothing_is_sent(
        ready, harness, simulator, values, expected):
    simulator.clear_log()

    response = deploy(ready, values=values)

    assert response.status_code == 422
    assert expected in response.get_data(as_text=True)
    assert simulator.calls() == []


def test_a_chart_deploy_commits_a_wrapper_chart_and_nested_values(app, ready, harness,
                                                                  simulator):
    response = post(ready, "/charts", {
        "repository": "https://charts.bitnami.com/bitnami", "chart": "redis",
        "version": "19.6.4", "target": "shop/prod",
        "values": "architecture: standalone\nauth:\n  enabled: false\n"})

    assert response.status_code == 200, response.get_data(as_text=True)
    files = harness.git(simulator, "shop").tip("main").files
    chart = yaml.safe_load(files["shop-prod/Chart.yaml"])
    assert chart["dependencies"] == [{"name": "redis", "version": "19.6.4",
                                      "repository": "https://charts.bitnami.com/bitnami"}]
    assert yaml.safe_load(files["shop-prod/values.yaml"]) == {
        "redis": {"architecture": "standalone", "auth": {"enabled": False}}}
    assert yaml.safe_load(files["shop-prod/application.yaml"])["spec"]["source"]["path"] == \
        "shop-prod"
    row = history(app, "chart")[0]
    assert (row.outcome, row.chart_name, row.chart_version) == ("deployed", "redis", "19.6.4")
    page = ready.get("/charts?target=shop/prod").get_data(as_text=True)
    assert "19.6.4" in page
    assert 'value="https://charts.bitnami.com/bitnami"' in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("version", "1.2", "semantic version"),
    ("chart", "Redis!", "lowercase letters, digits and"),
    ("repository", "ftp://charts.example.com", "https://"),
])
def test_a_bad_chart_form_is_refused_before_anything_is_sent(ready, harness, simulator, field,
                                                             value, message):
    simulator.clear_log()
    data = {"repository": "https://charts.example.com", "chart": "redis",
            "version": "1.2.3", "target": "shop/dev", "values": "{}\n", field: value}

    response = post(ready, "/charts", data)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert simulator.calls() == []


@pytest.mark.databases
def test_two_concurrent_deploys_both_land_in_order(app, ready, harness, simulator):
    clients = [signed_in(app), signed_in(app)]
    results = []

    def run(client, values):
        results.append(deploy(client, values=values).status_code)

    threads = [threading.Thread(target=run, args=(client, values))
               for client, values in zip(clients, (VALUES_V1, VALUES_V2), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert results == [200, 200]
    commits = harness.git(simulator, "shop").history("main")
    deploys = [c for c in commits if c.message.startswith("deploy shop")]
    assert [c.message for c in deploys] == ["deploy shop to dev: revision 2",
                                           "deploy shop to dev: revision 1"]
    assert deploys[0].parents == (deploys[1].sha,)


def test_a_branch_that_moved_is_re_read_and_the_deploy_lands_on_top(app, ready, harness,
                                                                    simulator):
    deploy(ready)
    git = harness.git(simulator, "shop")

    def someone_else_deploys():
        git.commit_on("main", {"envs/dev/values.yaml": b"replicaCount: 9\n",
                               "other.txt": b"theirs\n"}, "someone else")

    simulator.fault(harness.operations["commit"], before=someone_else_deploys)
    response = deploy(ready, values=VALUES_V2)

    assert response.status_code == 200, response.get_data(as_text=True)
    tip = git.tip("main")
    assert tip.message == "deploy shop to dev: revision 2"
    assert git.commits[tip.parents[0]].message == "someone else"
    assert tip.files["other.txt"] == b"theirs\n"  # the other commit was not overwritten
    assert yaml.safe_load(tip.files["envs/dev/values.yaml"])["replicaCount"] == 3


def test_switching_the_active_provider_keeps_an_application_on_its_repository(
        app, ready, harness, simulator):
    deploy(ready)
    other = "github" if harness.kind != "github" else "gitlab"
    post(ready, f"/settings/gitops/{other}", VALID[other])

    page = ready.get("/deployment-template").get_data(as_text=True)
    assert "It keeps deploying there, not to the active provider" in page
    response = deploy(ready, values=VALUES_V2)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert harness.git(simulator, "shop").tip("main").message == \
        "deploy shop to dev: revision 2"
    assert history(app)[-1].provider == harness.kind


def test_a_provider_failure_is_recorded_and_shown_with_its_typed_message(app, ready, harness,
                                                                         simulator):
    simulator.fault(harness.operations["create"], status=403,
                    body=harness.error_body(403, "You may not create repositories here."))

    response = deploy(ready)

    assert response.status_code == 502
    page = response.get_data(as_text=True)
    assert "The deploy failed; nothing was committed." in page
    assert history(app)[-1].outcome == "failed"
    assert history(app)[-1].commit_sha is None
    assert harness.tokens["good"] not in page


def test_precreated_repositories_need_the_url_entered_for_the_application(
        app, client, harness, simulator):
    create_app(client, "billing", "dev")  # before the mode is on: no URL
    configure(client, harness, simulator, repositories_precreated="y",
              validation_repository="platform-state")

    without_url = post(client, "/applications", {"name": "orders", "environments": "dev"})
    assert without_url.status_code == 422
    assert "Enter the URL of the repository an administrator made for orders" in \
        without_url.get_data(as_text=True)
    simulator.clear_log()
    refused = deploy(client, target="billing/dev")
    assert refused.status_code == 422
    assert "has no repository URL" in refused.get_data(as_text=True)
    assert [(d.outcome, d.application) for d in history(app)] == [("failed", "billing")]
    assert "has no repository URL" in history(app)[0].message
    assert simulator.calls() == []

    provider = harness.provider(harness.settings(simulator), backoff=0.01)
    existing = provider.ensure_repository("billing-state")
    entered = post(client, "/applications/billing/repository",
                   {"repository_url": existing.web_url})
    assert entered.status_code == 303, entered.get_data(as_text=True)
    response = deploy(client, target="billing/dev")

    assert response.status_code == 200, response.get_data(as_text=True)
    assert "envs/dev/values.yaml" in harness.git(simulator, "billing-state").tip("main").files
    assert harness.git(simulator, "billing") is None
    pinned = post(client, "/applications/billing/repository",
                  {"repository_url": existing.web_url + "-other"})
    assert pinned.status_code == 422
    assert "billing already deploys to" in pinned.get_data(as_text=True)


def test_a_deploy_with_a_token_no_key_opens_is_refused_and_nothing_is_sent(
        make_app, harness, simulator):
    from cryptography.fernet import Fernet
    first = make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True)
    client = signed_in(first)
    configure(client, harness, simulator)
    create_app(client)
    rekeyed = make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True,
                       TOKEN_KEYS=Fernet.generate_key().decode())
    simulator.clear_log()

    response = deploy(signed_in(rekeyed))

    assert response.status_code == 422
    assert "cannot be decrypted with the configured keys" in response.get_data(as_text=True)
    assert [d.outcome for d in history(rekeyed)] == ["failed"]
    assert "cannot be decrypted" in history(rekeyed)[0].message
    assert simulator.calls() == []


def test_the_repository_prefix_goes_before_the_application_name(app, client, harness,
                                                                simulator):
    configure(client, harness, simulator, repository_prefix="gitops-")
    create_app(client)

    assert deploy(client).status_code == 200

    assert harness.git(simulator, "gitops-shop") is not None
    assert harness.git(simulator, "shop") is None


def test_deploys_and_validations_are_in_the_audit_log(app, client, harness, simulator):
    from webapp.models import AuditEvent
    post(client, f"/settings/gitops/{harness.kind}", form_data(harness, simulator))
    create_app(client)
    deploy(client)
    deploy(client)

    with app.app_context():
        events = [(e.action, e.target, e.details) for e in
                  db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert ("config_validated", harness.kind, {"outcome": "passed"}) in events
    assert ("application_created", "shop", {"environments": ["dev", "prod"]}) in events
    deploys = [details for action, target, details in events
               if action == "deploy" and target == "shop/dev"]
    assert [(d["revision"], d["outcome"]) for d in deploys] == [(1, "deployed"),
                                                              (2, "unchanged")]
    assert harness.tokens["good"] not in str(events)
