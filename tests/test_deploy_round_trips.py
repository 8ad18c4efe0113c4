"""Requests per deploy through the app (issue 12): what the last deploy left is used.

Each deploy stores the repository it committed to and the BranchState its commit returned;
the next deploy commits without reading the repository, and while the branch's tip is
still that commit, in the few requests tests/test_provider_round_trips.py asserts per
provider. Someone else's commit only costs the careful path: their commit survives, ours
is right. Requests are counted in each simulator's exchange log.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.test_deploys import VALUES_V1, VALUES_V2, configure, create_app, deploy, history
from tests.test_provider_round_trips import EXPECTED, OUTSIDE, TARGETS
from webapp.extensions import db
from webapp.models import KnownBranch

VALUES_V3 = VALUES_V2.replace("replicaCount: 3", "replicaCount: 5")


@pytest.fixture
def app(make_app):
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, PROVIDER_READ_TIMEOUT=5.0)


@pytest.fixture
def ready(client, harness, simulator):
    """The simulator's provider active and an application shop (dev, prod)."""
    configure(client, harness, simulator)
    create_app(client)
    return client


def counted(simulator, action):
    """(response of action, requests the simulator saw meanwhile)."""
    simulator.clear_log()
    response = action()
    assert response.status_code == 200, response.get_data(as_text=True)
    return response, len(simulator.calls())


def someone_else_commits(git) -> str:
    return git.commit_on("main", {OUTSIDE: b"someone else was here\n"},
                         "someone else's commit").sha


def known_row(app) -> KnownBranch | None:
    with app.app_context():
        row = db.session.scalar(select(KnownBranch))
        if row is not None:
            db.session.expunge(row)
        return row


def test_a_repeat_deploy_costs_the_targeted_requests_and_no_changes_one(
        app, ready, harness, simulator):
    expected = EXPECTED[harness.kind]
    counted(simulator, lambda: deploy(ready))  # creates the repository

    changed, changed_cost = counted(simulator, lambda: deploy(ready, values=VALUES_V2))
    same, same_cost = counted(simulator, lambda: deploy(ready, values=VALUES_V2))

    assert changed_cost == expected["changed"] <= TARGETS[harness.kind]
    assert same_cost == expected["unchanged"] == 1
    assert "Deployed shop to dev: revision 2." in changed.get_data(as_text=True)
    assert "No changes" in same.get_data(as_text=True)
    tip = harness.git(simulator, "shop").tip("main")
    assert tip.message == "deploy shop to dev: revision 2"
    assert [d.outcome for d in history(app)] == ["deployed", "deployed", "unchanged"]
    assert history(app)[1].commit_sha == tip.sha
    row = known_row(app)  # written with the outcome: it names the commit just made
    assert row.state["commit"] == tip.sha
    assert row.branch == "main"


def test_another_environment_of_the_same_branch_is_fast_too(ready, harness, simulator):
    deploy(ready)

    _, cost = counted(simulator, lambda: deploy(ready, target="shop/prod"))

    # Only prod's values and Application are new: the merged state knows the chart.
    assert cost == EXPECTED[harness.kind]["changed"]
    files = harness.git(simulator, "shop").tip("main").files
    assert "envs/prod/values.yaml" in files and "envs/dev/values.yaml" in files


def test_someone_elses_commit_between_two_deploys_survives_and_ours_is_right(
        app, ready, harness, simulator):
    expected = EXPECTED[harness.kind]
    deploy(ready)
    git = harness.git(simulator, "shop")
    theirs = someone_else_commits(git)

    _, moved_cost = counted(simulator, lambda: deploy(ready, values=VALUES_V2))
    _, again_cost = counted(simulator, lambda: deploy(ready, values=VALUES_V3))

    assert moved_cost == expected["tip moved"]
    assert again_cost == expected["changed"]  # the careful path's state is fast again
    tip = git.tip("main")
    assert tip.message == "deploy shop to dev: revision 3"
    assert git.commits[tip.parents[0]].parents == (theirs,)
    assert tip.files[OUTSIDE] == b"someone else was here\n"
    assert b"replicaCount: 5" in tip.files["envs/dev/values.yaml"]
    assert [d.outcome for d in history(app)] == ["deployed"] * 3


@pytest.mark.parametrize("earlier", [1, 500])
def test_a_deploy_costs_the_same_with_1_or_500_earlier_commits(
        app, client, harness, simulator, earlier):
    configure(client, harness, simulator)
    create_app(client)
    provider = harness.provider(harness.settings(simulator), backoff=0.01)
    provider.ensure_repository("shop")  # made beforehand, with a long history
    git = harness.git(simulator, "shop")
    for number in range(earlier - len(git.history("main"))):
        git.commit_on("main", {"history.txt": f"{number}\n".encode()}, f"old {number}")
    assert len(git.history("main")) == earlier
    assert deploy(client).status_code == 200
    costs = {}

    _, costs["changed"] = counted(simulator, lambda: deploy(client, values=VALUES_V2))
    _, costs["unchanged"] = counted(simulator, lambda: deploy(client, values=VALUES_V2))
    someone_else_commits(git)
    _, costs["tip moved"] = counted(simulator, lambda: deploy(client, values=VALUES_V3))

    expected = EXPECTED[harness.kind]
    assert costs == {name: expected[name] for name in costs}
    assert len(git.history("main")) == earlier + 4


def test_a_failed_deploy_forgets_the_state_and_the_next_one_reads_carefully(
        app, ready, harness, simulator):
    deploy(ready)
    simulator.fault(harness.operations["commit"], status=500, times=None,
                    body=harness.error_body(500, "Internal error"))
    failed = deploy(ready, values=VALUES_V2)
    assert failed.status_code == 502
    assert known_row(app).state is None
    simulator.faults.clear()

    _, cost = counted(simulator, lambda: deploy(ready, values=VALUES_V2))

    assert cost == EXPECTED[harness.kind]["no state"]
    assert harness.git(simulator, "shop").tip("main").message == \
        "deploy shop to dev: revision 3"


def test_a_repository_deleted_on_the_provider_is_named_in_a_clear_error(
        app, ready, harness, simulator):
    deploy(ready)
    provider = harness.provider(harness.settings(simulator), backoff=0.01)
    provider.delete_repository(provider.get_repository("shop"))

    response = deploy(ready, values=VALUES_V2)

    page = response.get_data(as_text=True)
    assert response.status_code == 502
    assert "The repository shop is no longer on" in page
    assert history(app)[-1].outcome == "failed"
    assert known_row(app) is None  # the next deploy reads the repository again
    simulator.clear_log()
    assert deploy(ready, values=VALUES_V2).status_code == 502
    assert simulator.operations()[0] != harness.operations["commit"]


def test_a_state_is_used_only_for_its_configuration_place_and_branch(app, ready, harness,
                                                                    simulator):
    from webapp.deploy import known
    from webapp.models import Application, GitOpsConfig
    deploy(ready)
    with app.app_context():
        application = db.session.scalar(select(Application))
        config = db.session.scalar(select(GitOpsConfig))
        assert known.recall(application, config).state is not None
        config.branch = "release"  # (not saved: a look at what recall would say)
        assert known.recall(application, config).repository is not None
        assert known.recall(application, config).state is None
        config.branch = "main"
        setattr(config, known.KINDS[config.kind].binding_fields[-1], "elsewhere")
        assert known.recall(application, config) == known.NOTHING
        db.session.rollback()


def test_retries_after_a_conflict_commit_on_top_without_the_stale_state(
        app, ready, harness, simulator):
    deploy(ready, values=VALUES_V1)
    git = harness.git(simulator, "shop")

    def someone_else_deploys():
        git.commit_on("main", {"envs/dev/values.yaml": b"replicaCount: 9\n",
                               OUTSIDE: b"theirs\n"}, "someone else")

    simulator.fault(harness.operations["commit"], before=someone_else_deploys)
    response = deploy(ready, values=VALUES_V2)

    assert response.status_code == 200, response.get_data(as_text=True)
    tip = git.tip("main")
    assert tip.message == "deploy shop to dev: revision 2"
    assert tip.files[OUTSIDE] == b"theirs\n"
    assert b"replicaCount: 3" in tip.files["envs/dev/values.yaml"]
    assert git.commits[tip.parents[0]].message == "someone else"
