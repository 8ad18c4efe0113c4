"""Fewest provider round trips per deploy (issue 12): every client against its simulator.

A deploy hands commit_files the BranchState its previous commit returned. While the branch's
tip is still that commit, a commit needs few requests and "no changes" one; once someone
else committed, the careful path reads the branch as before. The files are the reference
chart exactly as a template deploy writes it; requests are counted in each simulator's
exchange log, so a regression in any of these counts fails here.
"""

from __future__ import annotations

import pytest
import yaml

from tests.fakes.gitlab_repository import last_commit
from webapp.deploy.chart import DEFAULT_DATA, ArgoSettings, template_files
from webapp.providers.base import Conflict
from webapp.providers.state import BranchState, FileState, blob_id

BRANCH = "main"
OUTSIDE = "docs/NOTES.md"  # a file of someone else's, beside the app's


def deploy_files(replicas: int) -> dict[str, bytes]:
    """What a template deploy of shop to dev commits: the chart, the values, the Application."""
    values = yaml.safe_dump({**DEFAULT_DATA, "replicaCount": replicas}, sort_keys=False)
    return template_files("shop", "dev", values, "https://git.example.com/acme/shop.git",
                          BRANCH, ArgoSettings())


FILES = deploy_files(1)
N = len(FILES)  # nine today: seven chart files, the values and the Application

# Requests per deploy with a known state: values changed with the tip unchanged; nothing
# changed; values changed after someone else committed (the careful path); nothing changed
# after someone else committed. Then values changed without any state, as before issue 12.
EXPECTED = {
    "github": {"changed": 4, "unchanged": 1, "tip moved": 5, "unchanged, tip moved": 3,
               "no state": 5},
    "gitlab": {"changed": 2, "unchanged": 1, "tip moved": N + 2,
               "unchanged, tip moved": N + 1, "no state": N + 1},
    "azure_devops": {"changed": 1, "unchanged": 1, "tip moved": 4, "unchanged, tip moved": 2,
                     "no state": 3},
    "bitbucket_cloud": {"changed": 2, "unchanged": 1, "tip moved": N + 4,
                        "unchanged, tip moved": N + 1, "no state": N + 3},
}
TARGETS = {"github": 4, "gitlab": 3, "azure_devops": 3, "bitbucket_cloud": 4}  # issue 12


def new_repository(harness, simulator, provider, name: str, earlier_commits: int = 1):
    """A repository whose main branch has exactly earlier_commits commits, made directly
    in the simulator's state (not through HTTP)."""
    repo = provider.ensure_repository(name)
    git = harness.git(simulator, name)
    for number in range(earlier_commits - len(git.history(BRANCH))):
        git.commit_on(BRANCH, {"history.txt": f"{number}\n".encode()}, f"old {number}")
    assert len(git.history(BRANCH)) == earlier_commits
    return repo, git


def someone_else_commits(git, **files: bytes) -> str:
    """A commit of someone else's on main; its sha."""
    changes = {OUTSIDE: b"someone else was here\n", **files}
    return git.commit_on(BRANCH, changes, "someone else's commit", "Someone Else",
                         "else@example.com").sha


def assert_true_to(git, state: BranchState | None) -> None:
    """state says nothing the repository contradicts (None says nothing at all)."""
    if state is None:
        return
    tip = git.tip(BRANCH)
    assert state.commit == tip.sha
    if state.tree is not None:
        assert state.tree == tip.tree
    for path, recorded in state.files.items():
        assert recorded.blob == blob_id(tip.files[path]), path
        if recorded.commit is not None:
            assert recorded.commit == last_commit(git, tip.sha, path), path


def counted(simulator, action):
    """(result of action, requests the simulator saw meanwhile)."""
    simulator.clear_log()
    result = action()
    return result, len(simulator.calls())


def test_a_known_state_makes_deploys_cost_the_counts_issue_12_targets(harness, simulator,
                                                                     make_provider):
    provider = make_provider()
    repo, git = new_repository(harness, simulator, provider, "shop")
    first = provider.commit_files(repo, BRANCH, FILES, "deploy shop to dev: revision 1")
    assert_true_to(git, first.state)

    changed, cost = counted(simulator, lambda: provider.commit_files(
        repo, BRANCH, deploy_files(2), "deploy shop to dev: revision 2", known=first.state))

    assert cost == EXPECTED[harness.kind]["changed"] <= TARGETS[harness.kind]
    assert changed.changed is True
    assert git.tip(BRANCH).sha == changed.sha
    assert git.tip(BRANCH).parents == (first.sha,)
    assert {path: git.tip(BRANCH).files[path] for path in FILES} == deploy_files(2)
    assert set(changed.state.files) >= set(FILES)
    assert_true_to(git, changed.state)

    same, cost = counted(simulator, lambda: provider.commit_files(
        repo, BRANCH, deploy_files(2), "deploy shop to dev: revision 3", known=changed.state))

    assert cost == EXPECTED[harness.kind]["unchanged"] == 1
    assert (same.changed, same.sha, same.state) == (False, changed.sha, changed.state)
    assert git.tip(BRANCH).sha == changed.sha


def test_after_someone_else_commits_the_careful_path_keeps_their_commit_and_fixes_ours(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git = new_repository(harness, simulator, provider, "shop")
    first = provider.commit_files(repo, BRANCH, FILES, "revision 1")
    # Someone edits a chart file this deploy does not change, and adds a file of their own.
    theirs = someone_else_commits(git, **{"chart/values.yaml": b"replicaCount: 9\n"})

    result, cost = counted(simulator, lambda: provider.commit_files(
        repo, BRANCH, deploy_files(2), "revision 2", known=first.state))

    tip = git.tip(BRANCH)
    assert cost == EXPECTED[harness.kind]["tip moved"]
    assert (result.changed, result.sha) == (True, tip.sha)
    assert tip.parents == (theirs,)
    assert tip.files[OUTSIDE] == b"someone else was here\n"
    assert {path: tip.files[path] for path in FILES} == deploy_files(2)
    assert_true_to(git, result.state)
    # The careful path's state makes the next deploy fast again.
    _, cost = counted(simulator, lambda: provider.commit_files(
        repo, BRANCH, deploy_files(3), "revision 3", known=result.state))
    assert cost == EXPECTED[harness.kind]["changed"]


def test_no_changes_after_someone_else_committed_reads_the_branch_as_before(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git = new_repository(harness, simulator, provider, "shop")
    first = provider.commit_files(repo, BRANCH, FILES, "revision 1")
    theirs = someone_else_commits(git)

    result, cost = counted(simulator, lambda: provider.commit_files(
        repo, BRANCH, FILES, "revision 2", known=first.state))

    assert cost == EXPECTED[harness.kind]["unchanged, tip moved"]
    assert (result.changed, result.sha) == (False, theirs)
    assert git.tip(BRANCH).sha == theirs
    assert result.state is not None
    assert_true_to(git, result.state)


@pytest.mark.parametrize("earlier", [1, 500])
def test_a_deploy_costs_the_same_with_1_or_500_earlier_commits(harness, simulator,
                                                               make_provider, earlier):
    provider = make_provider()
    repo, git = new_repository(harness, simulator, provider, f"shop-{earlier}", earlier)
    state = provider.commit_files(repo, BRANCH, FILES, "revision 1").state
    costs = {}

    result, costs["changed"] = counted(simulator, lambda: provider.commit_files(
        repo, BRANCH, deploy_files(2), "revision 2", known=state))
    _, costs["unchanged"] = counted(simulator, lambda: provider.commit_files(
        repo, BRANCH, deploy_files(2), "revision 3", known=result.state))
    someone_else_commits(git)
    moved, costs["tip moved"] = counted(simulator, lambda: provider.commit_files(
        repo, BRANCH, deploy_files(3), "revision 4", known=result.state))
    someone_else_commits(git, **{OUTSIDE: b"again\n"})
    _, costs["unchanged, tip moved"] = counted(simulator, lambda: provider.commit_files(
        repo, BRANCH, deploy_files(3), "revision 5", known=moved.state))
    _, costs["no state"] = counted(simulator, lambda: provider.commit_files(
        repo, BRANCH, deploy_files(4), "revision 6"))

    assert costs == EXPECTED[harness.kind]
    assert len(git.history(BRANCH)) == earlier + 6  # two of them someone else's


def test_a_state_of_another_repository_only_costs_the_careful_path(harness, simulator,
                                                                   make_provider):
    provider = make_provider()
    repo, git = new_repository(harness, simulator, provider, "shop")
    first = provider.commit_files(repo, BRANCH, FILES, "revision 1")
    foreign = BranchState("f" * 40, "e" * 40,
                          {path: FileState(state.blob, "d" * 40)
                           for path, state in first.state.files.items()})

    result = provider.commit_files(repo, BRANCH, deploy_files(2), "revision 2", known=foreign)

    assert result.changed is True
    assert {path: git.tip(BRANCH).files[path] for path in FILES} == deploy_files(2)
    assert git.tip(BRANCH).parents == (first.sha,)
    assert_true_to(git, result.state)


def test_deleting_a_file_the_state_does_not_record_takes_the_careful_path(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git = new_repository(harness, simulator, provider, "shop")
    someone_else_commits(git)
    first = provider.commit_files(repo, BRANCH, FILES, "revision 1")

    result = provider.commit_files(repo, BRANCH, {**FILES, OUTSIDE: None}, "tidy up",
                                   known=first.state)

    assert result.changed is True
    assert OUTSIDE not in git.tip(BRANCH).files
    assert_true_to(git, result.state)


def test_a_file_deleted_through_the_state_is_gone_and_no_longer_recorded(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git = new_repository(harness, simulator, provider, "shop")
    first = provider.commit_files(repo, BRANCH, FILES, "revision 1")

    result, cost = counted(simulator, lambda: provider.commit_files(
        repo, BRANCH, {"envs/dev/values.yaml": None}, "remove dev's values",
        known=first.state))

    assert cost == EXPECTED[harness.kind]["changed"]
    assert "envs/dev/values.yaml" not in git.tip(BRANCH).files
    assert "envs/dev/values.yaml" not in result.state.files
    assert "chart/Chart.yaml" in result.state.files
    assert_true_to(git, result.state)


def test_a_retry_after_a_conflict_with_the_same_stale_state_commits_correctly(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git = new_repository(harness, simulator, provider, "shop")
    first = provider.commit_files(repo, BRANCH, FILES, "revision 1")
    theirs = []

    def someone_else_commits_first():
        theirs.append(someone_else_commits(git, **{OUTSIDE: f"{len(theirs)}\n".encode()}))

    # Someone commits just before each of our next two writes reaches the provider (GitLab's
    # commits API has no condition on the tip: the first write lands on top of theirs).
    simulator.fault(harness.operations["commit"], times=2, before=someone_else_commits_first)

    try:
        result = provider.commit_files(repo, BRANCH, deploy_files(2), "revision 2",
                                       known=first.state)
    except Conflict:  # what the deploy service retries, with the state it had
        result = provider.commit_files(repo, BRANCH, deploy_files(2), "revision 2",
                                       known=first.state)

    tip = git.tip(BRANCH)
    assert result.changed is True
    assert theirs
    assert set(theirs) <= {commit.sha for commit in git.history(BRANCH)}
    assert tip.files[OUTSIDE] == f"{len(theirs) - 1}\n".encode()
    assert {path: tip.files[path] for path in FILES} == deploy_files(2)
    assert_true_to(git, result.state)
