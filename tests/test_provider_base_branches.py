"""A commit that starts a new branch off a given base (issue 13's pull-request mode),
against every provider's simulator.

A deploy in pull-request mode commits to gitops/<application>/<environment>/<revision>,
started from the configured branch, which need not be the repository's default branch.
A known state of the base may save requests, but only after the base's tip was read: a
base someone rewound must not get back, through the new branch, what they removed.
"""

from __future__ import annotations

import pytest

from webapp.providers.base import NotFound

FILES = {"chart/Chart.yaml": b"name: shop\n", "envs/dev/values.yaml": b"tag: '1'\n"}
CHANGED = {**FILES, "envs/dev/values.yaml": b"tag: '2'\n"}
NEW = "gitops/shop/dev/2"


def with_release_branch(harness, simulator, provider):
    """main holds FILES; release (not the default branch) holds them plus its own file."""
    repo = provider.ensure_repository("shop")
    provider.commit_files(repo, "main", FILES, "revision 1")
    git = harness.git(simulator, "shop")
    git.move_branch("release", git.branches["main"], None)
    state = provider.commit_files(repo, "release", {**FILES, "RELEASE.md": b"r\n"},
                                  "release only").state
    return repo, git, state


@pytest.mark.parametrize("with_state", [False, True], ids=["without state", "known state"])
def test_a_new_branch_starts_from_the_base_branch_not_the_default_one(
        harness, simulator, make_provider, with_state):
    provider = make_provider()
    repo, git, state = with_release_branch(harness, simulator, provider)
    release, main = git.branches["release"], git.branches["main"]

    result = make_provider().commit_files(repo, NEW, CHANGED, "revision 2",
                                          known=state if with_state else None,
                                          base_branch="release")

    tip = git.tip(NEW)
    assert result.changed is True
    assert result.sha == tip.sha
    assert tip.parents == (release,)
    assert tip.files["RELEASE.md"] == b"r\n"
    assert tip.files["envs/dev/values.yaml"] == b"tag: '2'\n"
    assert (git.branches["release"], git.branches["main"]) == (release, main)


def test_a_known_state_of_the_base_costs_no_more_requests_than_none(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, _git, state = with_release_branch(harness, simulator, provider)
    costs = {}
    for number, known in enumerate((None, state)):
        simulator.clear_log()
        provider.commit_files(repo, f"{NEW}-{number}", CHANGED, "revision 2", known=known,
                              base_branch="release")
        costs["with" if known else "without"] = len(simulator.calls())

    assert costs["with"] <= costs["without"]


def test_a_base_someone_rewound_is_started_from_as_it_is_now_not_as_known(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git, _state = with_release_branch(harness, simulator, provider)
    before = git.branches["release"]
    later = provider.commit_files(repo, "release", {**FILES, "REMOVED.md": b"x\n"}, "later")
    git.branches["release"] = before  # someone resets release and force-pushes

    provider.commit_files(repo, NEW, CHANGED, "revision 2", known=later.state,
                          base_branch="release")

    assert git.tip(NEW).parents == (before,)
    assert "REMOVED.md" not in git.tip(NEW).files


def test_an_existing_branch_gets_the_commit_on_its_own_tip_whatever_the_base(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git, _state = with_release_branch(harness, simulator, provider)
    first = provider.commit_files(repo, NEW, FILES, "revision 1", base_branch="release")

    second = provider.commit_files(repo, NEW, CHANGED, "revision 2", known=first.state,
                                   base_branch="release")

    assert git.tip(NEW).parents == (first.sha,)
    assert second.sha == git.branches[NEW]


def test_a_new_branch_gets_a_commit_even_when_its_files_are_the_base_ones(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git, state = with_release_branch(harness, simulator, provider)

    result = provider.commit_files(repo, NEW, FILES, "same files", known=state,
                                   base_branch="release")

    assert result.changed is True
    assert NEW in git.branches
    assert git.tip(NEW).parents == (state.commit,)


def test_a_missing_base_branch_is_not_found_and_creates_nothing(harness, simulator,
                                                                make_provider):
    provider = make_provider()
    repo, git, _state = with_release_branch(harness, simulator, provider)

    with pytest.raises(NotFound):
        provider.commit_files(repo, NEW, CHANGED, "revision 2", base_branch="no-such")

    assert NEW not in git.branches
