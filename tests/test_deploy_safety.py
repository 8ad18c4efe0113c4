"""Deploys across worker processes, after a configuration is deleted, and names in the cluster."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import signed_in
from tests.test_deploys import VALUES_V1, VALUES_V2, configure, create_app, deploy, history, post
from webapp.deploy import committing, lease
from webapp.deploy.forms import ChartDeployForm
from webapp.extensions import db
from webapp.models import Application, AuditEvent, GitOpsConfig, utcnow


@pytest.fixture
def app(make_app):
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True)


@pytest.fixture
def ready(client, harness, simulator):
    """The simulator's provider active and an application shop (dev, prod)."""
    configure(client, harness, simulator)
    create_app(client)
    return client


def hold_lease(app, name: str, seconds: float) -> None:
    """Another worker's deploy of name, holding the lease for seconds (negative: expired)."""
    with app.app_context():
        db.session.execute(update(Application).where(Application.name == name).values(
            deploy_lease="another-worker",
            deploy_lease_until=utcnow() + timedelta(seconds=seconds)))
        db.session.commit()


@pytest.mark.databases
def test_parallel_deploys_land_in_revision_order(app, ready, harness, simulator):
    # Each request has its own database session, as in separate gunicorn workers: the
    # lease on the application's row is all that orders them.
    results = []

    def run(client, values):
        results.append(deploy(client, values=values).status_code)

    threads = [threading.Thread(target=run, args=(signed_in(app), values))
               for values in (VALUES_V1, VALUES_V2, VALUES_V2.replace("replicaCount: 3",
                                                                      "replicaCount: 5"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(results) == [200, 200, 200]
    commits = [c for c in harness.git(simulator, "shop").history("main")
               if c.message.startswith("deploy shop")]
    # Newest first: every revision's commit sits on top of the one numbered before it.
    assert [c.message[-10:] for c in commits] == ["revision 3", "revision 2", "revision 1"]
    assert [c.parents[0] for c in commits[:2]] == [c.sha for c in commits[1:]]
    with app.app_context():
        assert db.session.scalar(select(Application.deploy_lease)) is None


@pytest.mark.databases
def test_a_deploy_waits_for_another_workers_lease_then_gives_up_sending_nothing(
        make_app, harness, simulator):
    app = make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, DEPLOY_WAIT=0.2)
    client = signed_in(app)
    configure(client, harness, simulator)
    create_app(client)
    hold_lease(app, "shop", 60)
    simulator.clear_log()

    response = deploy(client)

    assert response.status_code == 409
    assert "Another deploy of shop is still running" in response.get_data(as_text=True)
    assert simulator.calls() == []
    assert [d.outcome for d in history(app)] == ["failed"]


def test_the_outcome_is_recorded_with_the_lease_given_back_in_one_commit(
        make_app, harness, simulator, monkeypatch):
    # Another writer takes the database the moment the outcome is committed: a release
    # left for a commit of its own could not happen (the lease would stay held until it
    # expires); in the outcome's transaction, it already has.
    app = make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, SQLITE_BUSY_TIMEOUT_MS=50)
    client = signed_in(app)
    configure(client, harness, simulator)
    create_app(client)
    with app.app_context():
        path = db.engine.url.database
    blocker = sqlite3.connect(path, timeout=0)
    real_finish = committing.finish
    warnings = []

    def finish_then_lock_the_database(*args, **kwargs):
        deployment = real_finish(*args, **kwargs)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database from now on
        return deployment

    class Recording:
        def warning(self, message, *args):
            warnings.append(message % args)

    monkeypatch.setattr(committing, "finish", finish_then_lock_the_database)
    monkeypatch.setattr(lease, "log", Recording())
    try:
        response = deploy(client)
    finally:
        blocker.rollback()
        blocker.close()

    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Deployed shop to dev: revision 1." in response.get_data(as_text=True)
    assert warnings == []
    with app.app_context():
        assert db.session.scalar(select(Application.deploy_lease)) is None
        [event] = [e for e in db.session.scalars(select(AuditEvent)) if e.action == "deploy"]
        assert event.details["outcome"] == "deployed"
        assert event.details["revision"] == 1


@pytest.mark.databases
def test_an_expired_lease_of_a_worker_that_died_is_taken_over(app, ready, harness, simulator):
    hold_lease(app, "shop", -1)

    response = deploy(ready)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert harness.git(simulator, "shop").tip("main").message == "deploy shop to dev: revision 1"


@pytest.mark.databases
def test_an_application_whose_configuration_was_deleted_deploys_through_the_active_one(
        app, ready, harness, simulator):
    assert deploy(ready).status_code == 200
    assert post(ready, f"/settings/gitops/{harness.kind}/delete",
                {"leave_unconfigured": "y"}).status_code == 303
    configure(ready, harness, simulator, repository_prefix="gitops-")
    page = ready.get("/deployment-template").get_data(as_text=True)
    assert "a provider whose configuration was deleted: the next deploy goes to" in page

    response = deploy(ready, values=VALUES_V2)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert harness.git(simulator, "gitops-shop").tip("main").message == \
        "deploy shop to dev: revision 2"
    with app.app_context():
        application = db.session.scalar(select(Application))
        active = db.session.scalar(select(GitOpsConfig).where(GitOpsConfig.active.is_(True)))
        assert application.config_id == active.id  # pinned again, to the new configuration
        assert application.repository_name == "gitops-shop"
    assert deploy(ready, values=VALUES_V1).status_code == 200
    assert harness.git(simulator, "gitops-shop").tip("main").message == \
        "deploy shop to dev: revision 3"


def test_an_htmx_deploy_after_the_gate_closed_swaps_the_panel_and_the_banner(
        app, ready, harness):
    assert post(ready, f"/settings/gitops/{harness.kind}/delete",
                {"leave_unconfigured": "y"}).status_code == 303

    response = deploy(ready, **{"HX-Request": "true"})

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert page.lstrip().startswith('<section id="deploy-panel"')
    assert "<html" not in page
    assert 'id="gitops-gate" class="banner blocking" role="alert" hx-swap-oob="true"' in page
    assert "Nothing was deployed: GitOps is not configured" in page


@pytest.mark.parametrize(("first", "second", "expected"), [
    (("a-b", "c"), ("a", "b-c"), "would be named a-b-c in the cluster, like a-b/c"),
    (("shop", "dev"), ("s" * 40, "e" * 13), "54 characters: Helm allows 53"),
])
def test_names_that_would_clash_or_overflow_in_the_cluster_are_refused(
        app, client, harness, simulator, first, second, expected):
    configure(client, harness, simulator)
    create_app(client, first[0], first[1])

    refused = post(client, "/applications", {"name": second[0], "environments": second[1]})
    assert refused.status_code == 422
    assert expected in refused.get_data(as_text=True)
    added = post(client, f"/applications/{first[0]}/environments", {"name": "x" * 60})
    assert added.status_code == 422
    assert "Helm allows 53" in added.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Application.name)).all() == [first[0]]


def test_a_chart_repository_on_a_private_network_is_accepted(make_app):
    # Argo CD fetches the chart, never the app: private addresses are no risk here.
    app = make_app(ALLOW_PRIVATE_HOSTS=False)
    with app.test_request_context(method="POST"):
        form = ChartDeployForm(meta={"csrf": False}, data={
            "repository": "http://10.0.0.5:8080/charts", "chart": "redis", "version": "1.0.0"})
        form.validate_repository(form.repository)
        assert form.repository.data == "http://10.0.0.5:8080/charts"
