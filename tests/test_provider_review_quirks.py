"""Each provider's own answers for issue 13's operations: the exact calls, its quirks
(PROVIDER-APIS.md §1j-§4j), and the token expiry it tells or cannot tell."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.fakes import azure_devops, bitbucket_cloud, github, gitlab
from tests.fakes.fixtures import serve
from webapp.providers.base import Conflict, PermissionMissing, UnexpectedResponse
from webapp.providers.changes import CLOSED, MERGED, OPEN
from webapp.providers.github import token_expiry as github_expiry
from webapp.providers.gitlab import token_expiry as gitlab_expiry

FILES = {"envs/dev/values.yaml": b"tag: '1'\n"}
SOURCE = "gitops/shop/dev/2"
HARNESSES = {"github": github.HARNESS, "gitlab": gitlab.HARNESS,
             "azure_devops": azure_devops.HARNESS, "bitbucket_cloud": bitbucket_cloud.HARNESS}


@pytest.fixture
def served(request):
    """(simulator, client, repository, its git) with SOURCE one commit ahead of main."""
    harness = HARNESSES[request.param]
    with serve(harness.simulator()) as sim:
        client = harness.provider(harness.settings(sim), backoff=0.01)
        repo = client.ensure_repository("shop")
        client.commit_files(repo, "main", FILES, "revision 1")
        client.commit_files(repo, SOURCE, {"envs/dev/values.yaml": b"tag: '2'\n"},
                            "revision 2", base_branch="main")
        sim.clear_log()
        yield sim, client, repo, harness.git(sim, "shop")


def kind(name: str):
    return pytest.mark.parametrize("served", [name], indirect=True)


# --- token expiry ---------------------------------------------------------------------


@pytest.mark.parametrize(("header", "expected"), [
    ("2026-12-31 00:00:00 UTC", datetime(2026, 12, 31, tzinfo=UTC)),
    ("2026-10-01 09:00:00 +0900", datetime(2026, 10, 1, tzinfo=UTC)),
    (None, None),
    ("", None),
    ("next Tuesday", None),
])
def test_github_reads_the_expiration_header_in_utc_or_with_an_offset(header, expected):
    assert github_expiry(header) == expected


def test_github_tells_the_expiry_of_a_token_that_has_one_and_none_otherwise():
    with serve(github.GitHubSimulator()) as sim:
        def identity(token):
            return github.HARNESS.provider(github.HARNESS.settings(sim, token=token)) \
                .check_identity()

        assert identity(github.EXPIRING_TOKEN).token_expires_at == datetime(2026, 12, 31,
                                                                            tzinfo=UTC)
        assert identity(github.GOOD_TOKEN).token_expires_at is None
        assert identity(github.FINE_GRAINED_TOKEN).token_expires_at == datetime(2026, 10, 1,
                                                                                tzinfo=UTC)


@pytest.mark.parametrize(("expires_at", "expected"), [
    ("2027-01-05", datetime(2027, 1, 5, tzinfo=UTC)),  # midnight UTC of that date
    (None, None),
])
def test_gitlab_reads_expires_at_as_midnight_utc_of_that_date(expires_at, expected):
    assert gitlab_expiry(expires_at) == expected


def test_gitlab_tells_the_expiry_from_the_token_check_it_already_makes():
    with serve(gitlab.GitLabSimulator()) as sim:
        def identity(token):
            return gitlab.HARNESS.provider(gitlab.HARNESS.settings(sim, token=token)) \
                .check_identity()

        assert identity(gitlab.GOOD_TOKEN).token_expires_at == datetime(2027, 1, 5,
                                                                         tzinfo=UTC)
        assert identity(gitlab.NEVER_EXPIRES_TOKEN).token_expires_at is None
        assert len(sim.calls("get_token_self")) == 2


@pytest.mark.parametrize("harness", [azure_devops.HARNESS, bitbucket_cloud.HARNESS],
                         ids=["azure_devops", "bitbucket_cloud"])
def test_azure_devops_and_bitbucket_cannot_tell_a_tokens_expiry_and_say_so(harness):
    with serve(harness.simulator()) as sim:
        identity = harness.provider(harness.settings(sim)).check_identity()

    assert identity.token_expires_at is None
    assert harness.provider.kind.reports_token_expiry is False


# --- GitHub ---------------------------------------------------------------------------


@kind("github")
def test_github_finds_the_open_pull_request_after_its_422(served):
    sim, client, repo, _git = served
    first = client.open_change_request(repo, SOURCE, "main", "Deploy", "")
    sim.clear_log()

    again = client.open_change_request(repo, SOURCE, "main", "Deploy", "")

    assert sim.operations() == ["create_pull", "list_pulls"]
    assert sim.calls("create_pull")[0].status == 422
    assert sim.calls("list_pulls")[0].query["head"] == [f"acme:{SOURCE}"]
    assert again.number == first.number


@kind("github")
def test_github_refuses_to_delete_the_default_branch(served):
    _sim, client, repo, git = served

    with pytest.raises(UnexpectedResponse) as caught:
        client.delete_branch(repo, "main")

    assert "default branch" in str(caught.value)
    assert "main" in git.branches


def test_a_github_fine_grained_token_without_pull_requests_write_is_told_so():
    with serve(github.GitHubSimulator()) as sim:
        owner = github.HARNESS.provider(github.HARNESS.settings(sim))
        repo = owner.ensure_repository("shop")
        owner.commit_files(repo, SOURCE, FILES, "change", base_branch="main")
        limited = github.HARNESS.provider(
            github.HARNESS.settings(sim, token=github.FINE_GRAINED_TOKEN))

        with pytest.raises(PermissionMissing):
            limited.open_change_request(repo, SOURCE, "main", "Deploy", "")

        assert sim.calls("create_pull")[0].status == 403


# --- GitLab ---------------------------------------------------------------------------


@kind("gitlab")
def test_gitlab_reads_the_iid_its_409_names(served):
    sim, client, repo, _git = served
    first = client.open_change_request(repo, SOURCE, "main", "Deploy", "")
    sim.clear_log()

    again = client.open_change_request(repo, SOURCE, "main", "Deploy", "")

    assert sim.operations() == ["create_merge_request", "get_merge_request"]
    assert sim.calls("create_merge_request")[0].status == 409
    assert again.number == first.number


@kind("gitlab")
def test_gitlab_reads_the_iid_from_a_409_whose_message_is_a_plain_string(served):
    sim, client, repo, git = served
    first = client.open_change_request(repo, SOURCE, "main", "Deploy", "")
    sim.fault("create_merge_request", status=409, body={
        "message": f"Another open merge request already exists for this source branch: "
                   f"!{first.number}"})

    assert client.open_change_request(repo, SOURCE, "main", "Deploy", "").number == \
        first.number
    assert len(git.reviews.find()) == 1


@kind("gitlab")
@pytest.mark.parametrize(("fields", "state", "merge_commit"), [
    ({"state": "locked"}, OPEN, None),  # short-lived and transitional: still open
    ({"state": "merged", "merge_commit_sha": None, "squash_commit_sha": "c" * 40},
     MERGED, "c" * 40),
    ({"state": "merged", "merge_commit_sha": None, "squash_commit_sha": None,
      "sha": "d" * 40}, MERGED, "d" * 40),  # fast-forward: the head itself
    ({"state": "closed"}, CLOSED, None),
])
def test_gitlab_states_and_the_commit_a_merge_leaves(served, fields, state, merge_commit):
    sim, client, repo, _git = served
    opened = client.open_change_request(repo, SOURCE, "main", "Deploy", "")
    body = {"id": 1, "iid": int(opened.number), "project_id": 1, "title": "Deploy",
            "state": "opened", "source_branch": SOURCE, "target_branch": "main",
            "web_url": opened.web_url, "sha": "e" * 40, "merge_commit_sha": None,
            "squash_commit_sha": None, **fields}
    sim.fault("get_merge_request", status=200, body=body)

    now = client.change_request(repo, opened.number)

    assert (now.state, now.merge_commit) == (state, merge_commit)


# --- Azure DevOps ---------------------------------------------------------------------


@kind("azure_devops")
def test_azure_finds_the_active_pull_request_after_tf401179(served):
    sim, client, repo, _git = served
    first = client.open_change_request(repo, SOURCE, "main", "Deploy", "")
    sim.clear_log()

    again = client.open_change_request(repo, SOURCE, "main", "Deploy", "")

    assert sim.operations() == ["create_pull_request", "list_pull_requests"]
    assert "TF401179" in sim.calls("create_pull_request")[0].response_body["message"]
    assert again.number == first.number


@kind("azure_devops")
def test_azure_pull_requests_link_to_the_repositorys_web_page(served):
    _sim, client, repo, _git = served

    request = client.open_change_request(repo, SOURCE, "main", "Deploy", "")

    assert request.web_url == f"{repo.web_url}/pullrequest/{request.number}"
    assert "_apis" not in request.web_url


@kind("azure_devops")
def test_azure_deletes_a_branch_naming_its_tip_and_checks_success(served):
    sim, client, repo, git = served
    tip = git.branches[SOURCE]

    assert client.delete_branch(repo, SOURCE) is True

    assert sim.operations() == ["list_refs", "update_refs"]
    assert sim.calls("update_refs")[0].request_body == [
        {"name": f"refs/heads/{SOURCE}", "oldObjectId": tip, "newObjectId": "0" * 40}]


@kind("azure_devops")
def test_azure_answers_200_with_success_false_for_a_stale_tip_which_is_a_conflict(served):
    sim, client, repo, git = served
    sim.fault("update_refs", before=lambda: git.commit_on(SOURCE, {"x": b"1\n"}, "theirs"))

    with pytest.raises(Conflict):
        client.delete_branch(repo, SOURCE)

    assert sim.calls("update_refs")[0].status == 200
    assert SOURCE in git.branches


# --- Bitbucket Cloud ------------------------------------------------------------------


@kind("bitbucket_cloud")
def test_bitbucket_looks_for_an_open_pull_request_before_opening_one(served):
    sim, client, repo, _git = served

    first = client.open_change_request(repo, SOURCE, "main", "Deploy", "")
    assert sim.operations() == ["list_pull_requests", "create_pull_request"]
    sim.clear_log()
    again = client.open_change_request(repo, SOURCE, "main", "Deploy", "")

    assert sim.operations() == ["list_pull_requests"]
    assert again.number == first.number
    query = sim.calls("list_pull_requests")[0].query
    assert query["state"] == ["OPEN"]
    assert query["q"] == [f'source.branch.name = "{SOURCE}" AND '
                          'destination.branch.name = "main"']


@kind("bitbucket_cloud")
def test_bitbucket_superseded_counts_as_closed(served):
    sim, client, repo, _git = served
    opened = client.open_change_request(repo, SOURCE, "main", "Deploy", "")
    sim.fault("get_pull_request", status=200, body={
        "type": "pullrequest", "id": int(opened.number), "state": "SUPERSEDED",
        "source": {"branch": {"name": SOURCE}}, "destination": {"branch": {"name": "main"}},
        "links": {"html": {"href": opened.web_url}}})

    assert client.change_request(repo, opened.number).state == CLOSED


@kind("bitbucket_cloud")
def test_bitbucket_lists_the_root_with_its_required_trailing_slash(served):
    sim, client, repo, _git = served

    client.list_files(repo, "main")

    assert all(call.path.endswith("/") for call in sim.calls("list_directory"))


def test_a_bitbucket_token_without_write_pullrequest_is_told_which_scope_it_lacks():
    with serve(bitbucket_cloud.BitbucketCloudSimulator()) as sim:
        owner = bitbucket_cloud.HARNESS.provider(bitbucket_cloud.HARNESS.settings(sim))
        repo = owner.ensure_repository("shop")
        owner.commit_files(repo, "main", FILES, "first")
        owner.commit_files(repo, SOURCE, {"a": b"1"}, "change", base_branch="main")
        limited = bitbucket_cloud.HARNESS.provider(bitbucket_cloud.HARNESS.settings(
            sim, token=bitbucket_cloud.NO_PULL_REQUESTS_TOKEN))

        with pytest.raises(PermissionMissing) as caught:
            limited.open_change_request(repo, SOURCE, "main", "Deploy", "")

    assert caught.value.missing_scope == "write:pullrequest:bitbucket"
