"""A provider that fails in the middle of a deploy: the history never says "deployed"
without the commit being on the branch, and the next deploy lands on top."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.test_deploys import VALUES_V1, VALUES_V2, configure, create_app, deploy
from webapp.extensions import db
from webapp.models import Application, Deployment

VALUES_V3 = VALUES_V1.replace("replicaCount: 1", "replicaCount: 4")
FAULTS = {
    "connection-dropped": lambda harness: {"drop": True},
    "answers-500": lambda harness: {"status": 500,
                                    "body": harness.error_body(500, "Internal error")},
    # The provider commits, but its answer comes after the app stopped waiting.
    "answer-lost": lambda harness: {"late": 3.0},
}


@pytest.fixture
def app(make_app):
    # Short enough for the lost answer to come too late, long enough for a loaded CI machine.
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, PROVIDER_READ_TIMEOUT=2.0)


def recorded(app) -> list[tuple[int, str, str | None]]:
    with app.app_context():
        return [(d.revision, d.outcome, d.commit_sha) for d in db.session.scalars(
            select(Deployment).order_by(Deployment.revision))]


# GitHub makes a commit object, then moves the branch; GitLab commits in one call.
@pytest.mark.databases
@pytest.mark.parametrize("harness", ["github", "gitlab"], indirect=True)
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_deploy_interrupted_at_its_commit_is_not_recorded_as_done_and_the_next_lands(
        app, client, harness, simulator, fault):
    configure(client, harness, simulator)
    create_app(client)
    assert deploy(client, values=VALUES_V1).status_code == 200
    simulator.fault(harness.operations["commit"], **FAULTS[fault](harness))

    interrupted = deploy(client, values=VALUES_V2)

    assert interrupted.status_code == 502, interrupted.get_data(as_text=True)[:2000]
    git = harness.git(simulator, "shop")
    on_branch = {commit.sha for commit in git.history("main")}
    history = recorded(app)
    assert history[1][1] == "failed" and history[1][2] is None
    for _revision, outcome, sha in history:  # "deployed" only with its commit on the branch
        assert outcome != "deployed" or sha in on_branch
    with app.app_context():
        assert db.session.scalar(select(Application.deploy_lease)) is None

    again = deploy(client, values=VALUES_V3)

    assert again.status_code == 200, again.get_data(as_text=True)[:2000]
    tip = git.tip("main")
    assert tip.message == "deploy shop to dev: revision 3"
    assert b"replicaCount: 4" in tip.files["envs/dev/values.yaml"]
    assert recorded(app)[-1] == (3, "deployed", tip.sha)
