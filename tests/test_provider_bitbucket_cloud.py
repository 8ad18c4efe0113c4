"""Bitbucket Cloud's own rules and quirks, against the Bitbucket Cloud simulator."""

from __future__ import annotations

import json

import pytest
import requests

from tests.fakes import bitbucket_cloud as fake
from tests.fakes.fixtures import serve
from webapp.providers.base import (
    AlreadyExists,
    AuthenticationFailed,
    Author,
    Conflict,
    NotFound,
    PermissionMissing,
    ProviderSettings,
    RateLimited,
    UnexpectedResponse,
    missing_scopes,
)
from webapp.providers.bitbucket_cloud import BitbucketCloudProvider, api_base

FILES = {"a.yaml": b"a: 1\n", "b/c.yaml": b"c: 2\n", "d.yaml": b"d: 3\n"}
EMAIL = fake.EMAIL


@pytest.fixture
def sim():
    with serve(fake.BitbucketCloudSimulator()) as running:
        yield running


def provider(sim, **overrides) -> BitbucketCloudProvider:
    return BitbucketCloudProvider(fake.HARNESS.settings(sim, **overrides), backoff=0.01)


# --- API base and credentials ---------------------------------------------------------

@pytest.mark.parametrize(("host", "api"), [
    (None, "https://api.bitbucket.org/2.0"),
    ("https://bitbucket.org", "https://api.bitbucket.org/2.0"),
    ("https://bitbucket.org/", "https://api.bitbucket.org/2.0"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080/2.0"),
    ("https://bb.example.com/proxy/", "https://bb.example.com/proxy/2.0"),
])
def test_the_api_lives_at_api_bitbucket_org_or_under_2_0(host, api):
    assert api_base(host) == api


def test_an_api_token_signs_in_with_the_account_email_and_reports_its_scopes(sim):
    client = provider(sim)

    identity = client.check_identity()

    assert identity.username == EMAIL  # the login Bitbucket verified with the token
    assert identity.display_name == "Jane Doe"
    assert identity.scopes == fake.ALL_SCOPES
    assert missing_scopes(client.SCOPES, identity) == []
    assert client.git_username() == "x-bitbucket-api-token-auth"
    assert sim.operations() == ["get_user"]


def test_an_api_token_with_the_bitbucket_username_is_refused_with_a_hint_about_the_email(sim):
    client = provider(sim, username=fake.USERNAME)

    with pytest.raises(AuthenticationFailed) as caught:
        client.check_identity()

    assert "email" in str(caught.value)
    assert fake.GOOD_TOKEN not in str(caught.value)


def test_bearer_is_refused_for_api_tokens(sim):
    answer = requests.get(f"{sim.api_url}/user", timeout=5,
                          headers={"Authorization": f"Bearer {fake.GOOD_TOKEN}"})

    assert answer.status_code == 401


def test_an_api_token_without_scopes_is_refused(sim):
    with pytest.raises(AuthenticationFailed):
        provider(sim, token=fake.NO_SCOPES_TOKEN).check_identity()


def test_an_app_password_signs_in_with_the_username_and_gives_git_that_username(sim):
    client = provider(sim, username=fake.USERNAME, token=fake.APP_PASSWORD,
                      credential_type="app_password")

    identity = client.check_identity()

    assert identity.username == "jdoe"
    assert identity.scopes is None
    assert "app password" in identity.scope_note
    assert client.git_username() == fake.USERNAME


def test_an_app_password_with_the_email_is_refused_with_a_hint_about_the_username(sim):
    client = provider(sim, token=fake.APP_PASSWORD, credential_type="app_password")

    with pytest.raises(AuthenticationFailed) as caught:
        client.check_identity()

    assert "Bitbucket username" in str(caught.value)
    assert fake.APP_PASSWORD not in str(caught.value)


def test_a_token_that_may_not_delete_names_the_delete_scope(sim):
    repo = provider(sim).ensure_repository("app")
    identity = provider(sim, token=fake.NO_DELETE_TOKEN).check_identity()

    with pytest.raises(PermissionMissing) as caught:
        provider(sim, token=fake.NO_DELETE_TOKEN).delete_repository(repo)

    assert caught.value.missing_scope == "delete:repository:bitbucket"
    assert [rule.name for rule in missing_scopes(BitbucketCloudProvider.kind.scopes, identity)] == [
        "delete:repository:bitbucket"]
    assert sim.repo("acme", "app") is not None


def test_a_token_that_may_not_create_gets_403_naming_the_admin_scope(sim):
    with pytest.raises(PermissionMissing) as caught:
        provider(sim, token=fake.NO_CREATE_TOKEN).ensure_repository("app")

    assert caught.value.missing_scope == "admin:repository:bitbucket"
    assert sim.calls("create_repository")[0].status == 403


def test_an_account_that_may_not_create_in_the_workspace_gets_400_which_is_a_missing_permission(
        sim):
    client = provider(sim, username="max@example.com", token=fake.MEMBER_TOKEN)

    with pytest.raises(PermissionMissing) as caught:
        client.ensure_repository("app")

    assert sim.calls("create_repository")[0].status == 400
    assert "permission" in str(caught.value)
    assert sim.operations() == ["create_repository"]  # not mistaken for "already exists"


# --- the namespace: a project key, or the workspace's oldest project ------------------

def test_a_project_key_is_looked_up_with_one_call_and_the_repository_lands_in_it(sim):
    client = provider(sim, project_key="NEW")

    namespace = client.check_namespace()
    repo = client.ensure_repository("app")

    assert namespace.name == "acme"
    assert "NEW (New platform)" in namespace.detail
    assert sim.operations() == ["get_project", "create_repository"]
    assert sim.calls("create_repository")[0].request_body["project"]["key"] == "NEW"
    assert sim.repo("acme", "app").project.key == "NEW"
    assert repo.created


def test_without_a_project_key_the_oldest_project_is_reported_and_receives_the_repository(sim):
    client = provider(sim)

    namespace = client.check_namespace()
    client.ensure_repository("app")

    assert namespace.detail == ("repositories go to project OLD (Old platform), the oldest in "
                                "the workspace")
    listing = sim.calls("list_projects")
    assert len(listing) == 1
    assert listing[0].query == {"sort": ["created_on"], "pagelen": ["1"]}
    assert "project" not in sim.calls("create_repository")[0].request_body
    assert sim.repo("acme", "app").project.key == "OLD"


def test_an_unknown_project_key_is_not_found_naming_key_and_workspace(sim):
    with pytest.raises(NotFound) as caught:
        provider(sim, project_key="NOPE").check_namespace()

    assert "NOPE" in str(caught.value)
    assert "acme" in str(caught.value)


def test_a_workspace_without_projects_says_so(sim):
    with pytest.raises(NotFound) as caught:
        provider(sim, workspace="empty-ws").check_namespace()

    assert "no project" in str(caught.value)


# --- repositories ---------------------------------------------------------------------

def test_a_taken_slug_answers_400_and_the_existing_repository_is_returned_in_two_calls(sim):
    client = provider(sim)
    first = client.ensure_repository("app")
    sim.clear_log()

    again = client.ensure_repository("App")

    assert again.id == first.id == "acme/app"
    assert again.created is False
    assert sim.operations() == ["create_repository", "get_repository"]
    assert sim.calls("create_repository")[0].status == 400


def test_the_recorded_duplicate_body_with_fields_is_already_exists():
    client = offline()
    body = {"type": "error", "error": {
        "message": "Repository with this Slug and Owner already exists.",
        "fields": {"name": ["You already have a repository with this name."]}}}

    mapped = client._map_error(_response(400, body, "POST", "/2.0/repositories/acme/app"),
                               "create the repository acme/app")

    assert isinstance(mapped, AlreadyExists)


def test_a_scope_named_in_the_error_detail_is_the_missing_scope():
    client = offline()
    body = {"type": "error", "error": {
        "message": "Your credentials lack one or more required privilege scopes.",
        "detail": {"granted": ["read:user:bitbucket"],
                   "required": ["read:project:bitbucket"]}}}

    mapped = client._map_error(_response(403, body, "GET", "/2.0/workspaces/acme/projects"),
                               "list the projects")

    assert isinstance(mapped, PermissionMissing)
    assert mapped.missing_scope == "read:project:bitbucket"


def test_a_new_repository_is_empty_private_and_its_clone_url_has_no_user_info(sim):
    repo = provider(sim).ensure_repository("app")

    sent = sim.calls("create_repository")[0]
    assert sent.request_body == {"type": "repository", "name": "app", "scm": "git",
                                 "is_private": True}
    assert sim.repo("acme", "app").git.empty
    assert repo.default_branch is None
    https = next(link["href"] for link in sent.response_body["links"]["clone"]
                 if link["name"] == "https")
    assert https.startswith("http://jdoe@127.0.0.1:")
    assert repo.clone_url == https.replace("jdoe@", "")
    assert repo.web_url == f"{sim.url}/acme/app"


def test_a_null_mainbranch_means_no_default_branch_yet(sim):
    client = provider(sim)
    client.ensure_repository("app")
    data = sim.calls("create_repository")[0].response_body

    assert client._repository({**data, "mainbranch": None}).default_branch is None


def test_delete_is_one_call(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    sim.clear_log()

    client.delete_repository(repo)

    assert sim.operations() == ["delete_repository"]
    assert sim.calls()[0].status == 204
    assert sim.repo("acme", "app") is None


# --- commits --------------------------------------------------------------------------

def test_the_first_commit_to_an_empty_repository_defines_main(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    sim.clear_log()

    result = client.commit_files(repo, "main", FILES, "first", Author("Jane Doe", EMAIL))

    assert sim.operations() == ["get_branch", "create_commit", "get_branch"]
    upload = sim.calls("create_commit")[0]
    assert upload.status == 201
    assert upload.request_body["form"] == {"message": "first", "branch": "main",
                                           "author": f"Jane Doe <{EMAIL}>"}
    git = sim.repo("acme", "app").git
    assert git.default_branch == "main"
    assert git.tip("main").sha == result.sha
    assert git.tip("main").parents == ()
    assert git.tip("main").files == FILES
    assert client.get_repository("app").default_branch == "main"


def test_only_changed_files_are_uploaded_with_the_tip_as_parent(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    first = client.commit_files(repo, "main", FILES, "first")
    sim.clear_log()

    second = client.commit_files(repo, "main", {**FILES, "d.yaml": b"d: 4\n"}, "second")

    assert sim.operations() == ["get_branch", "get_file", "get_file", "get_file",
                               "create_commit", "get_branch"]
    reads = [call.path for call in sim.calls("get_file")]
    assert all(f"/src/{first.sha}/" in path for path in reads)  # one snapshot, by SHA
    upload = sim.calls("create_commit")[0].request_body
    assert upload["files"] == ["/d.yaml"]
    assert upload["form"]["parents"] == first.sha
    git = sim.repo("acme", "app").git
    assert git.tip("main").sha == second.sha
    assert git.tip("main").parents == (first.sha,)
    assert git.tip("main").files == {**FILES, "d.yaml": b"d: 4\n"}


def test_an_unchanged_commit_makes_no_commit(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    first = client.commit_files(repo, "main", FILES, "first")
    sim.clear_log()

    again = client.commit_files(repo, "main", FILES, "again")

    assert again.changed is False
    assert again.sha == first.sha
    assert sim.operations() == ["get_branch", "get_file", "get_file", "get_file"]
    assert len(sim.repo("acme", "app").git.history("main")) == 1


def test_a_branch_that_moved_is_a_409_conflict_and_nothing_is_overwritten(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    client.commit_files(repo, "main", FILES, "first")
    git = sim.repo("acme", "app").git
    original = client._read_at

    def someone_else_commits_meanwhile(repo_, commit, path):
        content = original(repo_, commit, path)
        if "other.yaml" not in git.tip("main").files:
            git.commit_on("main", {"other.yaml": b"x: 1\n", "a.yaml": b"theirs\n"}, "theirs")
        return content

    client._read_at = someone_else_commits_meanwhile
    with pytest.raises(Conflict) as caught:
        client.commit_files(repo, "main", {**FILES, "a.yaml": b"mine\n"}, "mine")

    assert sim.calls("create_commit")[-1].status == 409
    assert git.tip("main").files["a.yaml"] == b"theirs\n"
    assert "nothing was overwritten" in str(caught.value)


def test_a_branch_that_moves_right_after_the_upload_leaves_the_new_sha_unknown(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    client.commit_files(repo, "main", FILES, "first")
    git = sim.repo("acme", "app").git
    original = client._upload

    def someone_else_commits_right_after(*args):
        original(*args)
        git.commit_on("main", {"other.yaml": b"x: 1\n"}, "theirs")

    client._upload = someone_else_commits_right_after
    result = client.commit_files(repo, "main", {"a.yaml": b"mine\n"}, "mine")

    assert result.changed is True
    assert result.sha is None  # never someone else's commit
    assert git.history("main")[1].files["a.yaml"] == b"mine\n"


def test_a_new_branch_starts_from_the_main_branch_without_moving_it(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    main = client.commit_files(repo, "main", FILES, "first")
    sim.clear_log()

    result = client.commit_files(repo, "release/1", {"r.yaml": b"r: 1\n"}, "release")

    assert sim.operations() == ["get_branch", "create_commit", "get_branch"]
    assert "parents" not in sim.calls("create_commit")[0].request_body["form"]
    git = sim.repo("acme", "app").git
    assert git.branches["main"] == main.sha
    assert git.tip("release/1").parents == (main.sha,)
    assert git.tip("release/1").files == {**FILES, "r.yaml": b"r: 1\n"}
    assert result.sha == git.branches["release/1"]


def test_a_file_given_as_none_is_deleted_through_the_files_field(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    client.commit_files(repo, "main", FILES, "first")
    sim.clear_log()

    result = client.commit_files(repo, "main", {"a.yaml": None, "gone.yaml": None,
                                                "e.yaml": b"e: 5\n"}, "swap")

    upload = sim.calls("create_commit")[0].request_body
    assert upload["form"]["files"] == "a.yaml"  # gone.yaml is absent already: not sent
    assert upload["files"] == ["/e.yaml"]
    tip = sim.repo("acme", "app").git.tip("main")
    assert result.changed
    assert set(tip.files) == {"b/c.yaml", "d.yaml", "e.yaml"}


def test_deleting_only_absent_files_makes_no_commit(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")

    assert client.commit_files(repo, "main", {"gone.yaml": None}, "nothing").changed is False
    client.commit_files(repo, "main", FILES, "first")
    assert client.commit_files(repo, "main", {"gone.yaml": None}, "nothing").changed is False
    assert not sim.calls("create_commit")[1:]


def test_a_file_called_message_does_not_replace_the_commit_message(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")

    client.commit_files(repo, "main", {"message": b"a file\n", "branch": b"another\n"}, "real")

    tip = sim.repo("acme", "app").git.tip("main")
    assert tip.message == "real"
    assert tip.files == {"message": b"a file\n", "branch": b"another\n"}


def test_the_files_field_deletes_listed_paths_without_a_body(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    client.commit_files(repo, "main", FILES, "first")

    client.http.request("POST", "/repositories/acme/app/src", ok=(201,), what="delete",
                        files=[("message", (None, "delete d")), ("files", (None, "d.yaml")),
                               ("/e.yaml", ("e.yaml", b"e: 5\n"))])

    assert set(sim.repo("acme", "app").git.tip("main").files) == {"a.yaml", "b/c.yaml",
                                                                    "e.yaml"}


def test_read_file_is_one_call_by_branch_name(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    client.commit_files(repo, "main", FILES, "first")
    sim.clear_log()

    assert client.read_file(repo, "main", "b/c.yaml") == b"c: 2\n"
    assert [call.path for call in sim.calls()] == ["/repositories/acme/app/src/main/b/c.yaml"]
    with pytest.raises(NotFound):
        client.read_file(repo, "main", "missing.yaml")


def test_a_429_without_headers_is_retried_with_backoff_then_rate_limited(sim):
    sim.fault("get_user", status=429, times=None, body=fake.HARNESS.error_body(
        429, "Rate limit for this resource has been exceeded"))

    with pytest.raises(RateLimited) as caught:
        provider(sim, max_retries=2).check_identity()

    assert len(sim.calls("get_user")) == 3
    assert caught.value.reset_at is None
    assert "Rate limit for this resource" in caught.value.provider_message


def test_a_400_that_is_neither_duplicate_nor_privilege_is_unexpected(sim):
    with pytest.raises(UnexpectedResponse) as caught:
        provider(sim, project_key="NOPE").ensure_repository("app")

    assert "Invalid project key" in str(caught.value)


def offline() -> BitbucketCloudProvider:
    """A client for bitbucket.org that is never asked to send anything."""
    return BitbucketCloudProvider(ProviderSettings(
        kind="bitbucket_cloud", host=None, workspace="acme", username=EMAIL,
        token=fake.GOOD_TOKEN))


def _response(status: int, body: dict, method: str, path: str) -> requests.Response:
    """A requests.Response as the seam would hand it to the error mapping."""
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    response.request = requests.Request(method, f"https://api.bitbucket.org{path}").prepare()
    return response
