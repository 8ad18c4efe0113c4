"""GitHub's own rules and quirks, against the GitHub simulator."""

from __future__ import annotations

import pytest

from tests.fakes import github as fake
from tests.fakes.fixtures import serve
from webapp.providers.base import AlreadyExists, Conflict, PermissionMissing
from webapp.providers.github import GitHubProvider, api_base

FILES = {"a.yaml": b"a: 1\n", "b/c.yaml": b"c: 2\n", "d.yaml": b"d: 3\n"}


@pytest.fixture
def sim():
    with serve(fake.GitHubSimulator()) as running:
        yield running


def provider(sim, **overrides) -> GitHubProvider:
    return GitHubProvider(fake.HARNESS.settings(sim, **overrides), backoff=0.01)


@pytest.mark.parametrize(("host", "api"), [
    (None, "https://api.github.com"),
    ("https://github.com", "https://api.github.com"),
    ("https://github.com/", "https://api.github.com"),
    ("https://ghe.example.com", "https://ghe.example.com/api/v3"),
    ("https://example.com/github", "https://example.com/github/api/v3"),
])
def test_the_api_lives_at_api_github_com_or_under_api_v3(host, api):
    assert api_base(host) == api


def test_a_classic_token_reports_its_scopes(sim):
    identity = provider(sim).check_identity()

    assert identity.username == "octocat"
    assert identity.scopes == ("repo", "admin:org", "delete_repo")


def test_a_fine_grained_token_has_unknown_scopes_and_says_why(sim):
    identity = provider(sim, token=fake.FINE_GRAINED_TOKEN).check_identity()

    assert identity.scopes is None
    assert "fine-grained" in identity.scope_note


def test_deleting_without_the_delete_repo_scope_names_the_scope(sim):
    repo = provider(sim).ensure_repository("app")

    with pytest.raises(PermissionMissing) as caught:
        provider(sim, token=fake.NO_DELETE_TOKEN).delete_repository(repo)

    assert caught.value.missing_scope == "delete_repo"
    assert "delete_repo" in str(caught.value)


def test_a_taken_name_answers_422_which_is_already_exists(sim):
    client = provider(sim)
    client.ensure_repository("app")

    with pytest.raises(AlreadyExists):
        client.http.request("POST", "/orgs/acme/repos", ok=(201,), what="create again",
                            json={"name": "app", "private": True})
    assert sim.calls("create_org_repo")[-1].status == 422


def test_creating_an_existing_repository_costs_two_calls_and_returns_it(sim):
    client = provider(sim)
    first = client.ensure_repository("app")
    sim.clear_log()

    again = client.ensure_repository("app")

    assert again.id == first.id
    assert sim.operations() == ["create_org_repo", "get_repo"]


def test_a_commit_is_five_calls_and_an_unchanged_one_three(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    sim.clear_log()

    client.commit_files(repo, "main", FILES, "first")
    assert sim.operations() == [
        "get_ref", "get_commit", "create_tree", "create_commit", "update_ref"]
    sim.clear_log()

    client.commit_files(repo, "main", FILES, "again")
    assert sim.operations() == ["get_ref", "get_commit", "create_tree"]


def test_an_empty_repository_is_started_through_the_contents_api(sim):
    client = provider(sim)
    sim.repos[("acme", "bare")] = fake.Repo(1, "acme", "bare", private=True)
    repo = client.get_repository("bare")

    result = client.commit_files(repo, "main", FILES, "first deploy")

    git = sim.repo("acme", "bare").git
    assert result.changed
    assert git.tip("main").files == FILES
    assert len(git.history("main")) == 2  # the Contents API commit, then the rest
    assert sim.calls("put_content")[0].status == 201


def test_binary_files_go_up_as_blobs(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")

    client.commit_files(repo, "main", {"logo.png": b"\x89PNG\x00\xff"}, "binary")

    assert len(sim.calls("create_blob")) == 1
    assert sim.repo("acme", "app").git.tip("main").files["logo.png"] == b"\x89PNG\x00\xff"


def test_a_commit_to_a_new_branch_starts_it_from_the_default_branch(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")

    result = client.commit_files(repo, "release", FILES, "release")

    git = sim.repo("acme", "app").git
    assert git.branches["release"] == result.sha
    assert git.tip("release").parents == (git.branches["main"],)
    assert sim.calls("create_ref")[0].status == 201


def test_a_branch_that_moved_during_the_commit_is_a_conflict_not_an_overwrite(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    git = sim.repo("acme", "app").git
    original = client._commit_tree

    def someone_else_commits_meanwhile(repo_, sha):
        tree = original(repo_, sha)
        git.commit_on("main", {"other.yaml": b"x: 1\n"}, "someone else")
        return tree

    client._commit_tree = someone_else_commits_meanwhile
    with pytest.raises(Conflict):
        client.commit_files(repo, "main", FILES, "mine")

    assert "other.yaml" in git.tip("main").files
    assert "a.yaml" not in git.tip("main").files


def test_a_file_given_as_none_is_deleted_in_the_same_commit(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    client.commit_files(repo, "main", FILES, "first")

    result = client.commit_files(repo, "main", {"a.yaml": None, "e.yaml": b"e: 5\n"}, "swap")

    tip = sim.repo("acme", "app").git.tip("main")
    assert result.changed
    assert "a.yaml" not in tip.files
    assert tip.files["e.yaml"] == b"e: 5\n"
    assert tip.files["d.yaml"] == FILES["d.yaml"]
