"""Azure DevOps' own rules and quirks, against the Azure DevOps simulator."""

from __future__ import annotations

import base64
import uuid

import pytest
import requests

from tests.contracts.azure_devops import CONTRACT
from tests.fakes import azure_devops as fake
from tests.fakes.fixtures import serve
from tests.fakes.git import ZERO_SHA, blob_id
from webapp.providers.azure_devops import AzureDevOpsProvider, api_base
from webapp.providers.base import (
    AlreadyExists,
    AuthenticationFailed,
    Author,
    Conflict,
    NotFound,
    PermissionMissing,
    ProviderSettings,
    RateLimited,
)

FILES = {"a.yaml": b"a: 1\n", "b/c.yaml": b"c: 2\n", "d.yaml": b"d: 3\n"}
PROJECT_PATH = "/acme/Fabrikam%20Fiber/_apis/git"

@pytest.fixture
def sim():
    with serve(fake.AzureDevOpsSimulator()) as running:
        yield running


def provider(sim, **overrides) -> AzureDevOpsProvider:
    return AzureDevOpsProvider(fake.HARNESS.settings(sim, **overrides), backoff=0.01)


def git_of(sim, name: str = "app"):
    return sim.repo(fake.PROJECT, name).git


# --- where requests go ----------------------------------------------------------------


class Recorder(requests.adapters.BaseAdapter):
    """A transport that keeps every request and answers each with one canned response."""

    def __init__(self, status: int = 200, body: bytes = b'{"count": 0, "value": []}',
                 content_type: str = "application/json; charset=utf-8") -> None:
        super().__init__()
        self.requests: list[requests.PreparedRequest] = []
        self.status, self.body, self.content_type = status, body, content_type

    def send(self, request, **_kwargs) -> requests.Response:
        self.requests.append(request)
        response = requests.Response()
        response.status_code, response._content = self.status, self.body
        response.headers["Content-Type"] = self.content_type
        response.url, response.request = request.url, request
        return response

    def close(self) -> None:
        pass


def recorded(organization_url: str, recorder: Recorder) -> AzureDevOpsProvider:
    client = AzureDevOpsProvider(ProviderSettings(
        kind="azure_devops", host=None, username="jane", token=fake.GOOD_TOKEN,
        organization_url=organization_url, project="Fabrikam Fiber"))
    client.http.session.mount("https://", recorder)
    return client


@pytest.mark.parametrize(("url", "base"), [
    ("https://dev.azure.com/acme", "https://dev.azure.com/acme"),
    ("https://dev.azure.com/acme/", "https://dev.azure.com/acme"),
    (" https://acme.visualstudio.com/ ", "https://acme.visualstudio.com"),
    ("https://tfs.example.com/tfs/DefaultCollection", "https://tfs.example.com/tfs/DefaultCollection"),
])
def test_the_api_base_is_the_organization_url_itself(url, base):
    assert api_base(url) == base


@pytest.mark.parametrize("organization_url", [
    "https://dev.azure.com/acme", "https://acme.visualstudio.com",
    "https://tfs.example.com/tfs/DefaultCollection"])
def test_calls_go_below_the_organization_url_with_the_project_as_one_segment(organization_url):
    recorder = Recorder()

    recorded(organization_url, recorder).check_identity()

    sent = recorder.requests[0]
    assert sent.url == f"{organization_url}/Fabrikam%20Fiber/_apis/git/repositories?api-version=7.1"
    expected = base64.b64encode(f":{fake.GOOD_TOKEN}".encode()).decode()
    assert sent.headers["Authorization"] == f"Basic {expected}"
    assert sent.headers["X-TFS-FedAuthRedirect"] == "Suppress"
    assert sent.headers["Accept"] == "application/json"


def test_a_sign_in_page_answered_with_200_is_an_authentication_failure():
    recorder = Recorder(body=fake.SIGN_IN_PAGE.encode(), content_type="text/html; charset=utf-8")

    with pytest.raises(AuthenticationFailed) as caught:
        recorded("https://dev.azure.com/acme", recorder).check_identity()

    assert "token" in str(caught.value)


def test_the_simulator_serves_a_project_with_a_space_under_the_organization(sim):
    provider(sim).check_identity()

    assert sim.calls()[0].path == f"{PROJECT_PATH}/repositories"


# --- authentication and api-version ---------------------------------------------------


def test_a_wrong_token_gets_203_and_a_sign_in_page_which_is_an_authentication_failure(sim):
    with pytest.raises(AuthenticationFailed) as caught:
        provider(sim, token=fake.WRONG_TOKEN).check_identity()

    call = sim.calls()[0]
    assert call.status == 203
    assert b"Sign In" in call.response_body
    assert "sign-in page" in str(caught.value)
    assert fake.WRONG_TOKEN not in str(caught.value)


def test_a_wrong_token_on_delete_gets_401_tf400813(sim):
    repo = provider(sim).ensure_repository("app")

    with pytest.raises(AuthenticationFailed) as caught:
        provider(sim, token=fake.WRONG_TOKEN).delete_repository(repo)

    assert sim.calls("delete_repository")[0].status == 401
    assert "TF400813" in caught.value.provider_message


def test_a_call_without_api_version_is_refused_with_400(sim):
    response = requests.get(f"{sim.url}{PROJECT_PATH}/repositories", auth=("", fake.GOOD_TOKEN),
                            timeout=5)

    assert response.status_code == 400
    assert response.json()["typeKey"] == "VssVersionNotSpecifiedException"


def test_every_call_of_the_life_cycle_carries_api_version_7_1_in_this_order(sim):
    client = provider(sim)

    client.check_identity()
    client.check_namespace()
    repo = client.ensure_repository("app")
    client.commit_files(repo, "main", FILES, "first")
    client.commit_files(repo, "main", {**FILES, "a.yaml": b"a: 2\n"}, "second")
    client.commit_files(repo, "main", {**FILES, "a.yaml": b"a: 2\n"}, "unchanged")
    client.read_file(repo, "main", "a.yaml")
    client.current_files(repo, "main", FILES)
    client.commit_files(repo, "review", FILES, "third", base_branch="main")
    request = client.open_change_request(repo, "review", "main", "Review", "")
    client.open_change_request(repo, "review", "main", "Review", "")
    client.change_request(repo, request.number)
    client.close_change_request(repo, request.number)
    client.delete_branch(repo, "review")
    client.delete_repository(repo)

    assert sim.operations() == [
        "list_repositories",                                  # identity; namespace reuses it
        "create_repository",
        "list_refs", "get_repository", "create_push",         # first push: empty repository
        "list_refs", "list_items", "create_push",             # a change
        "list_refs", "list_items",                            # nothing changed: no push
        "get_item",
        "list_refs", "list_items", "get_item",                # preview: a.yaml differs
        "list_refs", "list_refs", "list_items", "create_push",  # a new branch off main
        "create_pull_request",
        "create_pull_request", "list_pull_requests",          # already active: found
        "get_pull_request", "update_pull_request",
        "list_refs", "update_refs",                           # delete the branch
        "delete_repository", "purge_repository"]
    assert {op.id for op in CONTRACT.operations} == set(sim.operations())
    assert all(call.query.get("api-version") == ["7.1"] for call in sim.calls())


# --- checks ---------------------------------------------------------------------------


def test_identity_and_namespace_take_one_call_between_them(sim):
    client = provider(sim)

    identity = client.check_identity()
    namespace = client.check_namespace()

    assert identity.username == "jane@example.com"
    assert identity.scopes is None
    assert "scopes" in identity.scope_note
    assert namespace.id == sim.projects["fabrikam fiber"].id
    assert namespace.name == "Fabrikam Fiber"
    assert sim.operations() == ["list_repositories"]


def test_the_namespace_check_alone_takes_one_call(sim):
    provider(sim).check_namespace()

    assert sim.operations() == ["list_repositories"]


def test_a_missing_project_is_tf200016_and_not_found_naming_it(sim):
    with pytest.raises(NotFound) as caught:
        provider(sim, project="No Such Project").check_namespace()

    assert "No Such Project" in str(caught.value)
    assert "TF200016" in caught.value.provider_message


def test_a_token_with_vso_project_only_may_not_read_code(sim):
    with pytest.raises(PermissionMissing) as caught:
        provider(sim, token=fake.PROJECT_TOKEN).check_identity()

    assert caught.value.missing_scope == "vso.code"


# --- repositories ---------------------------------------------------------------------


def test_a_new_repository_is_empty_and_has_a_guid(sim):
    repo = provider(sim).ensure_repository("app")

    assert repo.created is True
    assert uuid.UUID(repo.id)
    assert repo.default_branch is None
    assert git_of(sim).empty
    assert sim.operations() == ["create_repository"]


def test_a_taken_name_is_409_tf400948_and_the_existing_repository_is_returned(sim):
    client = provider(sim)
    first = client.ensure_repository("app")
    sim.clear_log()

    again = client.ensure_repository("app")

    assert again.id == first.id
    assert again.created is False
    assert [(call.operation, call.status) for call in sim.calls()] == [
        ("create_repository", 409), ("get_repository", 200)]
    assert "TF400948" in sim.calls()[0].response_body["message"]


def test_creating_without_code_manage_is_a_missing_permission_naming_the_scope(sim):
    with pytest.raises(PermissionMissing) as caught:
        provider(sim, token=fake.WRITE_TOKEN).ensure_repository("app")

    assert caught.value.missing_scope == "vso.code_manage"
    assert "Code: Read, write, & manage" in str(caught.value)
    assert sim.repo(fake.PROJECT, "app") is None


def test_delete_is_a_soft_delete_then_a_purge_and_the_name_is_free_again(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    sim.clear_log()

    client.delete_repository(repo)

    assert [(call.operation, call.status) for call in sim.calls()] == [
        ("delete_repository", 204), ("purge_repository", 204)]
    assert all(call.path.endswith(repo.id) for call in sim.calls())
    assert sim.recycle_bin() == []
    again = client.ensure_repository("app")
    assert again.created is True
    assert again.id != repo.id


def test_a_name_held_by_the_recycle_bin_is_already_exists_saying_so(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    client.http.request("DELETE", f"/Fabrikam%20Fiber/_apis/git/repositories/{repo.id}",
                        ok=(204,), what="only soft-delete the repository")

    with pytest.raises(AlreadyExists) as caught:
        client.ensure_repository("app")

    assert "recycle bin" in str(caught.value)
    assert [repo.name for repo in sim.recycle_bin()] == ["app"]


def test_the_clone_url_drops_the_user_info_azure_puts_in_remote_url(sim):
    repo = provider(sim).ensure_repository("app")

    sent = sim.calls("create_repository")[0].response_body["remoteUrl"]
    assert sent.startswith("http://acme@127.0.0.1:")
    assert repo.clone_url == f"{sim.url}/acme/Fabrikam%20Fiber/_git/app"
    assert repo.web_url == f"{sim.url}/acme/Fabrikam%20Fiber/_git/app"


# --- commits --------------------------------------------------------------------------


def changes_pushed(sim) -> list[tuple[str, str]]:
    body = sim.calls("create_push")[-1].request_body
    return [(change["changeType"], change["item"]["path"])
            for change in body["commits"][0]["changes"]]


def test_the_first_push_to_an_empty_repository_starts_from_forty_zeros(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    sim.clear_log()

    result = client.commit_files(repo, "main", FILES, "first",
                                 Author("Jane Doe", "jane@example.com"))

    assert sim.operations() == ["list_refs", "get_repository", "create_push"]
    body = sim.calls("create_push")[0].request_body
    assert body["refUpdates"] == [{"name": "refs/heads/main", "oldObjectId": ZERO_SHA}]
    assert body["commits"][0]["author"] == {"name": "Jane Doe", "email": "jane@example.com"}
    assert changes_pushed(sim) == [("add", "/a.yaml"), ("add", "/b/c.yaml"), ("add", "/d.yaml")]
    history = git_of(sim).history("main")
    assert [commit.sha for commit in history] == [result.sha]
    assert history[0].parents == ()
    assert history[0].files == FILES


def test_add_edit_or_nothing_is_decided_from_the_blob_ids(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    first = client.commit_files(repo, "main", FILES, "first")
    sim.clear_log()

    second = client.commit_files(repo, "main", {"a.yaml": FILES["a.yaml"],
                                                "b/c.yaml": b"c: 3\n", "e.yaml": b"e: 5\n"},
                                 "second")

    assert sim.operations() == ["list_refs", "list_items", "create_push"]
    assert sim.calls("create_push")[0].request_body["refUpdates"][0]["oldObjectId"] == first.sha
    assert changes_pushed(sim) == [("edit", "/b/c.yaml"), ("add", "/e.yaml")]
    listed = {item["path"]: item["objectId"]
              for item in sim.calls("list_items")[0].response_body["value"]}
    assert listed["/a.yaml"] == blob_id(FILES["a.yaml"])
    tip = git_of(sim).tip("main")
    assert tip.sha == second.sha
    assert tip.parents == (first.sha,)
    assert tip.files == {**FILES, "b/c.yaml": b"c: 3\n", "e.yaml": b"e: 5\n"}


def test_an_unchanged_commit_pushes_nothing(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    first = client.commit_files(repo, "main", FILES, "first")
    sim.clear_log()

    again = client.commit_files(repo, "main", FILES, "again")

    assert again.changed is False
    assert again.sha == first.sha
    assert sim.operations() == ["list_refs", "list_items"]


def test_binary_files_travel_base64_encoded(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")

    client.commit_files(repo, "main", {"logo.png": b"\x89PNG\x00\xff"}, "binary")

    change = sim.calls("create_push")[0].request_body["commits"][0]["changes"][0]
    assert change["newContent"]["contentType"] == "base64Encoded"
    assert git_of(sim).tip("main").files["logo.png"] == b"\x89PNG\x00\xff"


def test_a_stale_old_object_id_is_a_conflict_and_nothing_is_overwritten(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    client.commit_files(repo, "main", FILES, "first")
    git = git_of(sim)
    original = client._blob_ids

    def someone_else_pushes_meanwhile(repo_, commit):
        blobs = original(repo_, commit)
        git.commit_on("main", {"other.yaml": b"x: 1\n"}, "someone else")
        return blobs

    client._blob_ids = someone_else_pushes_meanwhile
    with pytest.raises(Conflict) as caught:
        client.commit_files(repo, "main", {**FILES, "a.yaml": b"a: 9\n"}, "mine")

    assert sim.calls("create_push")[-1].status == 409
    assert "TF401028" in caught.value.provider_message
    assert git.tip("main").message == "someone else"
    assert git.tip("main").files["a.yaml"] == FILES["a.yaml"]


def test_a_new_branch_starts_from_the_default_branch_as_the_recorded_example_shows(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    main = client.commit_files(repo, "main", FILES, "first").sha
    git = git_of(sim)
    git.commit_on("release-old", {"old.yaml": b"old\n"}, "a branch refs' prefix filter lists")
    sim.clear_log()

    result = client.commit_files(repo, "release", {"a.yaml": b"a: 2\n"}, "release")

    assert sim.operations() == ["list_refs", "get_repository", "list_refs", "list_items",
                               "create_push"]
    assert [call.query["filter"] for call in sim.calls("list_refs")] == [
        ["heads/release"], ["heads/main"]]
    push = sim.calls("create_push")[0]
    assert push.request_body["refUpdates"] == [{"name": "refs/heads/release",
                                                "oldObjectId": main}]
    assert push.response_body["refUpdates"][0]["oldObjectId"] == ZERO_SHA
    assert changes_pushed(sim) == [("edit", "/a.yaml")]
    assert git.branches["release"] == result.sha
    assert git.tip("release").parents == (main,)
    assert git.tip("release").files == {**FILES, "a.yaml": b"a: 2\n"}
    assert git.branches["main"] == main


def test_a_token_without_code_write_may_not_push(sim):
    repo = provider(sim).ensure_repository("app")

    with pytest.raises(PermissionMissing) as caught:
        provider(sim, token=fake.READ_TOKEN).commit_files(repo, "main", FILES, "first")

    assert caught.value.missing_scope == "vso.code_write"
    assert git_of(sim).empty


# --- reading --------------------------------------------------------------------------


def test_read_file_asks_for_one_item_as_json_with_its_content(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    client.commit_files(repo, "main", FILES, "first")
    sim.clear_log()

    assert client.read_file(repo, "main", "b/c.yaml") == FILES["b/c.yaml"]

    [call] = sim.calls()
    assert call.operation == "get_item"
    assert call.query["path"] == ["/b/c.yaml"]
    assert call.query["versionDescriptor.version"] == ["main"]
    assert call.query["versionDescriptor.versionType"] == ["branch"]
    assert call.query["includeContent"] == ["true"]


def test_a_missing_file_is_not_found(sim):
    client = provider(sim)
    repo = client.ensure_repository("app")
    client.commit_files(repo, "main", FILES, "first")

    with pytest.raises(NotFound) as caught:
        client.read_file(repo, "main", "nope.yaml")

    assert caught.value.status == 404
    assert "TF401174" in caught.value.provider_message


# --- limits ---------------------------------------------------------------------------


def test_a_blocked_request_is_rate_limited_with_what_azure_said(sim):
    sim.fault("list_repositories", status=429, headers={"Retry-After": "3600"},
              body=fake.HARNESS.error_body(429, "TF400733: The request has been canceled: "
                                                "Request was blocked due to exceeding usage "
                                                "of resource 'Core' in namespace 'User'."))

    with pytest.raises(RateLimited) as caught:
        provider(sim).check_identity()

    assert "TF400733" in caught.value.provider_message
    assert caught.value.reset_at is not None
