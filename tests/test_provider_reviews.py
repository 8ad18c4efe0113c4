"""Pull and merge requests and branch deletion (issue 13), against every provider's simulator.

What a deploy in pull-request mode relies on: a request per deploy, never two open for the
same branch; its state in one request, merged or closed as a reviewer left it in the
provider's UI (the simulators' ReviewBoard.merge and .close); the branch deleted afterwards.
"""

from __future__ import annotations

import pytest

from webapp.providers.base import NotFound
from webapp.providers.changes import CLOSED, MERGED, OPEN

FILES = {"chart/Chart.yaml": b"name: shop\n", "envs/dev/values.yaml": b"tag: '1'\n"}
SOURCE = "gitops/shop/dev/2"  # gitops/<application>/<environment>/<revision>


def branch_with_a_change(harness, simulator, provider, name: str = "shop"):
    """A repository whose main has FILES and a branch SOURCE off main with one change."""
    repo = provider.ensure_repository(name)
    provider.commit_files(repo, "main", FILES, "revision 1")
    provider.commit_files(repo, SOURCE, {**FILES, "envs/dev/values.yaml": b"tag: '2'\n"},
                          "revision 2", base_branch="main")
    return repo, harness.git(simulator, name)


def open_ones(git) -> list:
    return git.reviews.find(state="open", source=SOURCE, target="main")


def test_a_request_opens_from_the_branch_into_the_target_with_its_description(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git = branch_with_a_change(harness, simulator, provider)

    request = provider.open_change_request(repo, SOURCE, "main", "Deploy shop to dev",
                                           "1 file changed: envs/dev/values.yaml")

    (review,) = open_ones(git)
    assert request.created is True
    assert (request.state, request.source_branch, request.target_branch) == (OPEN, SOURCE,
                                                                               "main")
    assert request.number == str(review.number)
    assert request.web_url.startswith(simulator.url + "/")
    assert request.number in request.web_url
    assert request.merge_commit is None
    assert (review.title, review.description) == ("Deploy shop to dev",
                                                  "1 file changed: envs/dev/values.yaml")


def test_opening_again_reuses_the_open_request_and_never_opens_a_second(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git = branch_with_a_change(harness, simulator, provider)
    first = provider.open_change_request(repo, SOURCE, "main", "Deploy", "")

    again = make_provider().open_change_request(repo, SOURCE, "main", "Deploy", "")

    assert again.number == first.number
    assert (again.created, again.state) == (False, OPEN)
    assert len(open_ones(git)) == 1
    assert len(git.reviews.find()) == 1


def test_a_request_for_another_target_is_not_reused(harness, simulator, make_provider):
    provider = make_provider()
    repo, git = branch_with_a_change(harness, simulator, provider)
    git.move_branch("release", git.branches["main"], None)
    into_main = provider.open_change_request(repo, SOURCE, "main", "Deploy", "")

    into_release = provider.open_change_request(repo, SOURCE, "release", "Deploy", "")

    assert into_release.number != into_main.number
    assert into_release.target_branch == "release"
    assert len(git.reviews.find(state="open")) == 2


def test_the_state_is_one_request_and_shows_merged_after_a_merge_in_the_ui(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git = branch_with_a_change(harness, simulator, provider)
    request = provider.open_change_request(repo, SOURCE, "main", "Deploy", "")
    merge = git.reviews.merge(int(request.number))
    simulator.clear_log()

    now = make_provider().change_request(repo, request.number)

    assert len(simulator.calls()) == 1
    assert now.state == MERGED
    assert git.tip("main").sha == merge.sha
    assert git.tip("main").files["envs/dev/values.yaml"] == b"tag: '2'\n"
    assert merge.sha.startswith(now.merge_commit)  # Bitbucket may give a short hash
    assert len(now.merge_commit) >= 7


def test_the_state_shows_closed_after_a_close_in_the_ui(harness, simulator, make_provider):
    provider = make_provider()
    repo, git = branch_with_a_change(harness, simulator, provider)
    request = provider.open_change_request(repo, SOURCE, "main", "Deploy", "")
    main_before = git.branches["main"]
    git.reviews.close(int(request.number))

    now = provider.change_request(repo, request.number)

    assert (now.state, now.merge_commit) == (CLOSED, None)
    assert git.branches["main"] == main_before


def test_an_open_request_has_no_merge_commit_even_where_the_provider_shows_a_test_merge(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, _git = branch_with_a_change(harness, simulator, provider)
    request = provider.open_change_request(repo, SOURCE, "main", "Deploy", "")

    assert provider.change_request(repo, request.number).merge_commit is None


def test_closing_a_request_leaves_it_closed_and_the_target_untouched(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git = branch_with_a_change(harness, simulator, provider)
    request = provider.open_change_request(repo, SOURCE, "main", "Deploy", "")
    main_before = git.branches["main"]

    closed = provider.close_change_request(repo, request.number)

    assert closed.state == CLOSED
    assert git.reviews.get(int(request.number)).state == "closed"
    assert git.branches["main"] == main_before
    assert provider.open_change_request(repo, SOURCE, "main", "Deploy", "").created is True


def test_after_a_merge_the_next_deploy_opens_a_new_request(harness, simulator,
                                                           make_provider):
    provider = make_provider()
    repo, git = branch_with_a_change(harness, simulator, provider)
    first = provider.open_change_request(repo, SOURCE, "main", "Deploy 2", "")
    git.reviews.merge(int(first.number))
    provider.commit_files(repo, "gitops/shop/dev/3", {"envs/dev/values.yaml": b"tag: '3'\n"},
                          "revision 3", base_branch="main")

    second = provider.open_change_request(repo, "gitops/shop/dev/3", "main", "Deploy 3", "")

    assert second.created is True
    assert second.number != first.number


def test_reading_a_request_that_does_not_exist_is_not_found(harness, simulator,
                                                            make_provider):
    provider = make_provider()
    repo = provider.ensure_repository("shop")

    with pytest.raises(NotFound):
        provider.change_request(repo, "999")


def test_delete_branch_removes_the_branch_and_says_false_when_it_was_gone(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git = branch_with_a_change(harness, simulator, provider)

    assert provider.delete_branch(repo, SOURCE) is True
    assert SOURCE not in git.branches
    assert "main" in git.branches
    assert provider.delete_branch(repo, SOURCE) is False
