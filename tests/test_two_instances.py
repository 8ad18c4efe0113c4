"""Two instances (two gunicorn processes, two workers each) on one PostgreSQL database,
as behind a load balancer: what one does, the other respects."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, select, text

from tests.databases import TEMPLATE
from tests.fakes.fixtures import serve
from tests.fakes.registry import HARNESSES
from tests.live import Browser, Gunicorn
from tests.provider_inputs import form_data
from tests.test_deploys import VALUES_V1, VALUES_V2
from webapp.models import AuditEvent, Deployment, GitOpsConfig

GITHUB, GITLAB = HARNESSES["github"], HARNESSES["gitlab"]
ROUNDS = 4


class Deployment2:
    """The two instances, their simulators and a direct look into the shared database."""

    def __init__(self, a: Browser, b: Browser, engine, simulators: dict) -> None:
        self.a, self.b, self.engine, self.simulators = a, b, engine, simulators

    def rows(self, statement):
        with self.engine.connect() as connection:
            return connection.execute(statement).all()

    def version(self, kind: str) -> str:
        found = self.rows(select(GitOpsConfig.version).where(GitOpsConfig.kind == kind))
        return str(found[0][0]) if found else ""

    def audit(self, action: str) -> list:
        return self.rows(select(AuditEvent.target, AuditEvent.details)
                         .where(AuditEvent.action == action).order_by(AuditEvent.id))

    def save(self, browser: Browser, kind: str, **changes):
        harness = HARNESSES[kind]
        data = form_data(harness, self.simulators[kind], save_without_validating="y",
                         version=self.version(kind), **changes)
        return browser.post(f"/settings/gitops/{kind}", data)


@pytest.fixture(scope="module")
def instances(postgres, tmp_path_factory):
    """Instances A and B of one installation, signed in, on a database of their own."""
    name = postgres.create_database(template=TEMPLATE)
    url = postgres.url(name)
    folder = tmp_path_factory.mktemp("two-instances")
    engine = create_engine(url)
    try:
        with serve(GITHUB.simulator()) as github, serve(GITLAB.simulator()) as gitlab, \
                Gunicorn(folder / "a", url) as a, Gunicorn(folder / "b", url) as b:
            yield Deployment2(Browser(a.url), Browser(b.url), engine,
                              {"github": github, "gitlab": gitlab})
            for server in (a, b):
                assert "Traceback" not in server.log(), server.log()[-3000:]
    finally:
        engine.dispose()
        postgres.drop_database(name)


def at_once(*calls: Callable[[], object]) -> list:
    """Run the calls in threads released together; their results, in order."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        start.wait(30)
        results[index] = call()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def test_activating_different_providers_at_once_leaves_exactly_one_active(instances):
    successes = 0
    for _ in range(ROUNDS):
        github, gitlab = at_once(lambda: instances.save(instances.a, "github"),
                                 lambda: instances.save(instances.b, "gitlab"))

        for response in (github, gitlab):
            assert response.status_code in (303, 409), response.text[:2000]
            if response.status_code == 409:  # the conflict is explained
                assert ("Another configuration was saved at the same moment" in response.text
                        or "Someone else saved this configuration" in response.text)
        successes += [github.status_code, gitlab.status_code].count(303)
        active = instances.rows(select(GitOpsConfig.kind).where(GitOpsConfig.active))
        assert len(active) == 1
    assert successes >= ROUNDS  # a conflict only ever refuses one of the two
    assert len(instances.audit("config_saved")) == successes


def test_two_saves_of_the_same_version_give_one_success_and_one_conflict(instances):
    assert instances.save(instances.a, "gitlab").status_code == 303
    saved_before = len(instances.audit("config_saved"))
    version = instances.version("gitlab")

    one, two = at_once(
        lambda: instances.a.post("/settings/gitops/gitlab", form_data(
            GITLAB, instances.simulators["gitlab"], save_without_validating="y",
            version=version, username="from-a")),
        lambda: instances.b.post("/settings/gitops/gitlab", form_data(
            GITLAB, instances.simulators["gitlab"], save_without_validating="y",
            version=version, username="from-b")))

    assert sorted([one.status_code, two.status_code]) == [303, 409]
    refused, winner = (one, "from-b") if one.status_code == 409 else (two, "from-a")
    assert "Someone else saved this configuration while you edited it" in refused.text
    stored = instances.rows(select(GitOpsConfig.username, GitOpsConfig.version)
                            .where(GitOpsConfig.kind == "gitlab"))
    assert stored == [(winner, int(version) + 1)]
    assert len(instances.audit("config_saved")) == saved_before + 1


def test_deploys_of_one_application_through_both_instances_land_in_order(instances):
    assert instances.save(instances.a, "github").status_code == 303
    created = instances.b.post("/applications", {"name": "shop", "environments": "dev"})
    assert created.status_code == 303, created.text[:2000]

    first, second = at_once(
        lambda: instances.a.post("/deployment-template",
                                 {"target": "shop/dev", "values": VALUES_V1}),
        lambda: instances.b.post("/deployment-template",
                                 {"target": "shop/dev", "values": VALUES_V2}))

    assert [first.status_code, second.status_code] == [200, 200], first.text[:2000]
    deploys = [commit for commit in GITHUB.git(instances.simulators["github"], "shop")
               .history("main") if commit.message.startswith("deploy shop")]
    assert [c.message for c in deploys] == ["deploy shop to dev: revision 2",
                                           "deploy shop to dev: revision 1"]
    assert deploys[0].parents == (deploys[1].sha,)
    recorded = instances.rows(select(Deployment.revision, Deployment.outcome,
                                     Deployment.commit_sha).order_by(Deployment.revision))
    assert recorded == [(1, "deployed", deploys[1].sha), (2, "deployed", deploys[0].sha)]
    audited = instances.audit("deploy")
    assert sorted(details["revision"] for _target, details in audited) == [1, 2]
    assert {target for target, _details in audited} == {"shop/dev"}


def test_the_audit_log_holds_every_change_either_instance_made(instances):
    # What the tests above did, each recorded once, through whichever instance did it.
    actions = [action for (action,) in instances.rows(text(
        "SELECT action FROM audit_event WHERE action NOT IN ('sign_in') ORDER BY id"))]
    saves = len(instances.audit("config_saved"))
    assert actions.count("application_created") == 1
    assert actions.count("deploy") == 2
    assert saves >= ROUNDS + 3
    deploy_rows = instances.rows(select(Deployment.id))
    assert len(deploy_rows) == actions.count("deploy")
