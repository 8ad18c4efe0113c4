"""GitLab's own rules and quirks, against the GitLab simulator."""

from __future__ import annotations

import pytest

from tests.fakes import gitlab as fake
from tests.fakes.fixtures import serve
from webapp.providers.base import (
    AlreadyExists,
    Conflict,
    PermissionMissing,
    RateLimited,
    missing_scopes,
)
from webapp.providers.gitlab import GitLabProvider, api_base

FILES = {"a.yaml": b"a: 1\n", "chart/values.yaml": b"replicaCount: 1\n", "d.yaml": b"d: 3\n"}


@pytest.fixture
def sim():
    with serve(fake.GitLabSimulator()) as running:
        yield running


@pytest.fixture
def free_sim():
    with serve(fake.GitLabSimulator(delayed_deletion=False)) as running:
        yield running


def provider(sim, **overrides) -> GitLabProvider:
    return GitLabProvider(fake.HARNESS.settings(sim, **overrides), backoff=0.01)


# --- where the API lives ------------------------------------------------------------


@pytest.mark.parametrize(("host", "api"), [
    (None, "https://gitlab.com/api/v4"),
    ("https://gitlab.com/", "https://gitlab.com/api/v4"),
    ("https://gitlab.example.com", "https://gitlab.example.com/api/v4"),
    ("https://example.com/gitlab", "https://example.com/gitlab/api/v4"),
    ("https://example.com/gitlab/api/v4/", "https://example.com/gitlab/api/v4"),
])
def test_the_api_lives_under_api_v4_of_the_host(host, api):
    assert api_base(host) == api


class PrefixedSimulator(fake.GitLabSimulator):
    """A self-managed GitLab served below a path (relative_url_root = /gitlab)."""

    prefix = "/gitlab/api/v4"


def test_a_host_with_a_path_prefix_is_reached_below_that_prefix():
    with serve(PrefixedSimulator()) as prefixed:
        client = GitLabProvider(fake.HARNESS.settings(prefixed, host=prefixed.url + "/gitlab"))

        assert client.check_identity().username == "jane.doe"

    assert prefixed.operations() == ["get_user", "get_token_self"]


# --- identity and group ---------------------------------------------------------------


def test_the_scopes_are_those_gitlab_lists_for_the_token_itself(sim):
    identity = provider(sim).check_identity()

    assert identity.username == "jane.doe"
    assert identity.display_name == "Jane Doe"
    assert identity.scopes == ("api", "write_repository")
    assert missing_scopes(GitLabProvider.kind.scopes, identity) == []


def test_a_read_api_token_is_missing_the_api_scope(sim):
    identity = provider(sim, token=fake.READ_API_TOKEN).check_identity()

    assert [rule.name for rule in missing_scopes(GitLabProvider.kind.scopes, identity)] == [
        "api", "write_repository"]
    assert [rule.required for rule in GitLabProvider.kind.scopes] == [True, False]


def test_a_gitlab_older_than_15_5_has_unknown_scopes_and_says_why(sim):
    sim.fault("get_token_self", status=404, body={"message": "404 Not Found"})

    identity = provider(sim).check_identity()

    assert identity.username == "jane.doe"
    assert identity.scopes is None
    assert "15.5" in identity.scope_note


@pytest.mark.parametrize(("group_id", "sent", "expected_id", "full_path"), [
    ("43", "43", "43", "platform/apps"),
    ("platform", "platform", "42", "platform"),
    ("platform/apps", "platform%2Fapps", "43", "platform/apps"),
])
def test_a_group_is_found_by_numeric_id_or_by_url_encoded_full_path(
        sim, group_id, sent, expected_id, full_path):
    namespace = provider(sim, group_id=group_id).check_namespace()

    assert (namespace.id, namespace.name) == (expected_id, full_path)
    call = sim.calls("get_group")[0]
    assert call.path == f"/groups/{sent}"
    assert call.query == {"with_projects": ["false"]}


def test_the_group_is_looked_up_once_per_client(sim):
    client = provider(sim)
    client.check_namespace()
    client.ensure_repository("one")
    client.ensure_repository("two")

    assert sim.operations() == ["get_group", "create_project", "create_project"]
    assert sim.calls("create_project")[0].request_body["namespace_id"] == 43


# --- projects ---------------------------------------------------------------------------


def test_a_new_project_is_private_with_a_readme_on_main_and_costs_two_calls(sim):
    repo = provider(sim).ensure_repository("shop")

    assert sim.operations() == ["get_group", "create_project"]
    assert sim.calls("create_project")[0].request_body == {
        "name": "shop", "path": "shop", "namespace_id": 43, "visibility": "private",
        "initialize_with_readme": True, "default_branch": "main",
        "description": "Desired state managed by GitOps Console"}
    project = sim.project_at("platform/apps/shop")
    assert repo.id == str(project.id)
    assert repo.created is True
    assert repo.default_branch == "main"
    assert repo.clone_url == f"{sim.url}/platform/apps/shop.git"
    assert repo.web_url == f"{sim.url}/platform/apps/shop"


def test_a_taken_path_answers_400_and_the_existing_project_is_returned(sim):
    client = provider(sim)
    first = client.ensure_repository("shop")
    sim.clear_log()

    again = client.ensure_repository("shop")

    assert sim.operations() == ["create_project", "get_project"]
    assert sim.calls("create_project")[0].status == 400
    assert sim.calls("get_project")[0].path == "/projects/platform%2Fapps%2Fshop"
    assert (again.id, again.created) == (first.id, False)


def test_a_taken_path_answered_409_as_documented_is_handled_the_same(sim):
    client = provider(sim)
    first = client.ensure_repository("shop")
    sim.fault("create_project", status=409, body={"message": "409 Conflict"})

    again = client.ensure_repository("shop")

    assert sim.calls("create_project")[-1].status == 409
    assert (again.id, again.created) == (first.id, False)


def test_a_token_without_the_api_scope_is_told_which_scope_is_missing(sim):
    with pytest.raises(PermissionMissing) as caught:
        provider(sim, token=fake.READ_API_TOKEN).ensure_repository("shop")

    assert caught.value.missing_scope == "api"
    assert "api scope" in str(caught.value)
    assert fake.READ_API_TOKEN not in str(caught.value)
    assert sim.project_at("platform/apps/shop") is None


# --- commits ----------------------------------------------------------------------------


def test_a_commit_reads_each_file_then_commits_once(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    sim.clear_log()

    result = client.commit_files(repo, "main", FILES, "first")

    assert sim.operations() == ["get_file", "get_file", "get_file", "create_commit"]
    assert sim.calls("get_file")[1].path.endswith("/repository/files/chart%2Fvalues.yaml")
    body = sim.calls("create_commit")[0].request_body
    assert [a["action"] for a in body["actions"]] == ["create", "create", "create"]
    git = sim.project_at("platform/apps/app").git
    assert git.tip("main").sha == result.sha
    assert {path: git.tip("main").files[path] for path in FILES} == FILES


def test_a_changed_file_is_updated_with_its_last_commit_and_unchanged_ones_are_left_out(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    first = client.commit_files(repo, "main", FILES, "first")
    sim.clear_log()

    client.commit_files(repo, "main", {**FILES, "d.yaml": b"d: 4\n"}, "second")

    assert sim.operations() == ["get_file", "get_file", "get_file", "create_commit"]
    assert sim.calls("create_commit")[0].request_body["actions"] == [
        {"action": "update", "file_path": "d.yaml", "content": "d: 4\n",
         "last_commit_id": first.sha}]


def test_an_unchanged_commit_only_reads_and_returns_the_tip(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    first = client.commit_files(repo, "main", FILES, "first")
    sim.clear_log()

    again = client.commit_files(repo, "main", FILES, "again")

    assert sim.operations() == ["get_file", "get_file", "get_file"]
    assert (again.sha, again.changed) == (first.sha, False)


def test_a_file_given_as_none_is_deleted_and_a_missing_one_is_left_alone(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    first = client.commit_files(repo, "main", FILES, "first")

    result = client.commit_files(repo, "main", {"a.yaml": None, "never.yaml": None,
                                                "e.yaml": b"e: 5\n"}, "swap")

    tip = sim.project_at("platform/apps/app").git.tip("main")
    assert result.changed
    assert sim.calls("create_commit")[-1].request_body["actions"] == [
        {"action": "delete", "file_path": "a.yaml", "last_commit_id": first.sha},
        {"action": "create", "file_path": "e.yaml", "content": "e: 5\n"}]
    assert "a.yaml" not in tip.files
    assert tip.files["d.yaml"] == FILES["d.yaml"]
    assert client.commit_files(repo, "main", {"a.yaml": None}, "again").changed is False


def test_a_file_changed_by_someone_else_meanwhile_is_a_conflict_not_an_overwrite(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    client.commit_files(repo, "main", FILES, "first")
    git = sim.project_at("platform/apps/app").git
    sim.before["create_commit"] = lambda: git.commit_on("main", {"d.yaml": b"theirs\n"},
                                                        "someone else")

    with pytest.raises(Conflict) as caught:
        client.commit_files(repo, "main", {**FILES, "d.yaml": b"mine\n"}, "mine")

    assert sim.calls("create_commit")[-1].status == 400
    assert "changed since you started editing" in caught.value.provider_message
    assert git.tip("main").files["d.yaml"] == b"theirs\n"
    assert git.tip("main").message == "someone else"


def test_a_file_created_by_someone_else_meanwhile_is_a_conflict(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    git = sim.project_at("platform/apps/app").git
    sim.before["create_commit"] = lambda: git.commit_on("main", {"a.yaml": b"theirs\n"},
                                                        "someone else")

    with pytest.raises(Conflict):
        client.commit_files(repo, "main", FILES, "mine")

    assert git.tip("main").files["a.yaml"] == b"theirs\n"
    assert "d.yaml" not in git.tip("main").files


def test_a_missing_branch_is_started_from_the_default_branch(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    git = sim.project_at("platform/apps/app").git

    result = client.commit_files(repo, "release", {"README.md": b"release\n"}, "release")

    assert git.branches["release"] == result.sha
    assert git.tip("release").parents == (git.branches["main"],)
    body = sim.calls("create_commit")[0].request_body
    assert body["start_branch"] == "main"
    assert body["actions"][0]["action"] == "update"
    assert [call.query["ref"] for call in sim.calls("get_file")] == [["release"], ["main"]]


def test_an_empty_project_gets_its_first_commit_on_main(sim):
    client = provider(sim)
    sim.projects[900] = fake.Project(900, "bare", "bare", 43)
    repo = client.get_repository("bare")
    sim.clear_log()

    result = client.commit_files(repo, "main", FILES, "first deploy")

    git = sim.projects[900].git
    assert sim.operations() == ["get_file", "create_commit"]  # no branch: nothing to read
    assert git.tip("main").files == FILES
    assert git.tip("main").parents == ()
    assert git.tip("main").sha == result.sha
    assert git.default_branch == "main"


def test_binary_files_are_sent_base64_encoded(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")

    client.commit_files(repo, "main", {"logo.png": b"\x89PNG\x00\xff"}, "binary")

    action = sim.calls("create_commit")[0].request_body["actions"][0]
    assert action["encoding"] == "base64"
    assert sim.project_at("platform/apps/app").git.tip("main").files["logo.png"] == \
        b"\x89PNG\x00\xff"


def test_a_file_is_read_raw_with_its_path_url_encoded(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    client.commit_files(repo, "main", FILES, "first")

    assert client.read_file(repo, "main", "chart/values.yaml") == b"replicaCount: 1\n"
    call = sim.calls("get_file_raw")[0]
    assert call.path == f"/projects/{repo.id}/repository/files/chart%2Fvalues.yaml/raw"
    assert call.query == {"ref": ["main"]}


# --- deletion ---------------------------------------------------------------------------


def test_a_delayed_deletion_is_purged_at_once_so_the_path_is_free_again(sim):
    client = provider(sim)
    repo = client.ensure_repository("shop")
    sim.clear_log()

    client.delete_repository(repo)

    assert sim.operations() == ["delete_project", "delete_project"]
    mark, purge = sim.calls("delete_project")
    assert (mark.query, mark.status) == ({}, 202)
    assert purge.query == {"permanently_remove": ["true"],
                           "full_path": ["platform/apps/shop"]}
    assert purge.status == 202
    assert sim.project_at("platform/apps/shop") is None
    assert client.ensure_repository("shop").created is True


def test_without_the_purge_a_marked_project_keeps_its_path_taken(sim):
    client = provider(sim)
    repo = client.ensure_repository("shop")
    client.http.request("DELETE", f"/projects/{repo.id}", ok=(202,), what="mark only")

    with pytest.raises(AlreadyExists) as caught:
        client.ensure_repository("shop")

    assert "scheduled for deletion" in str(caught.value)


def test_a_project_marked_earlier_is_purged_by_a_later_delete(sim):
    client = provider(sim)
    repo = client.ensure_repository("shop")
    client.http.request("DELETE", f"/projects/{repo.id}", ok=(202,), what="mark only")

    client.delete_repository(repo)

    assert [call.status for call in sim.calls("delete_project")] == [202, 400, 202]
    assert sim.project_at("platform/apps/shop") is None


def test_without_delayed_deletion_the_purge_finds_the_project_gone(free_sim):
    client = provider(free_sim)
    repo = client.ensure_repository("shop")
    free_sim.clear_log()

    client.delete_repository(repo)

    assert [(c.operation, c.status) for c in free_sim.calls()] == [
        ("delete_project", 202), ("delete_project", 404)]
    assert free_sim.project_at("platform/apps/shop") is None


def test_a_purge_refused_because_the_project_was_not_marked_is_done(sim):
    client = provider(sim)
    repo = client.ensure_repository("shop")

    def delete_at_once_and_answer_the_purge_as_gitlab_does_meanwhile():
        # deletion_adjourned_period 0: deleted at once, still listed until the worker ran
        sim.before.clear()
        sim.delayed_deletion = False
        sim.fault("delete_project", status=400,
                  body={"message": "Project must be marked for deletion first."})

    sim.before["delete_project"] = delete_at_once_and_answer_the_purge_as_gitlab_does_meanwhile
    sim.clear_log()

    client.delete_repository(repo)

    assert [call.status for call in sim.calls("delete_project")] == [202, 400]
    assert sim.project_at("platform/apps/shop") is None


def test_a_client_that_did_not_create_the_project_reads_its_path_before_deleting(sim):
    repo = provider(sim).ensure_repository("shop")
    sim.clear_log()

    provider(sim).delete_repository(repo)

    assert sim.operations() == ["get_project", "delete_project", "delete_project"]
    assert sim.project_at("platform/apps/shop") is None


def test_a_maintainer_may_not_delete_and_the_project_stays(sim):
    repo = provider(sim).ensure_repository("shop")

    with pytest.raises(PermissionMissing):
        provider(sim, token=fake.MAINTAINER_TOKEN).delete_repository(repo)

    assert sim.project_at("platform/apps/shop").marked_on is None


# --- rate limits ------------------------------------------------------------------------


def test_a_429_is_plain_text_and_its_reset_comes_from_the_ratelimit_headers(sim):
    reset = "4102444800"  # 2100-01-01T00:00:00Z
    sim.fault("get_user", status=429, body="Retry later\n",
              headers={"Retry-After": "3600", "RateLimit-Reset": reset,
                       "RateLimit-Limit": "2000", "RateLimit-Remaining": "0"})

    with pytest.raises(RateLimited) as caught:
        provider(sim).check_identity()

    assert int(caught.value.reset_at.timestamp()) == int(reset)
    assert sim.calls("get_user")[0].response_body == b"Retry later\n"
