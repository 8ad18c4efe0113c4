"""Each provider's commit on a known branch state: the exact calls, and its own quirks.

tests/test_provider_round_trips.py counts requests on every provider alike; here each
provider's fast path is checked call by call, with the answer its service gives when the
branch is not as known (GitHub's 422 "Update is not a fast forward", GitLab's 400 "You are
attempting to update a file that has changed since you started editing it.", Azure
DevOps' 409 TF401028, Bitbucket's 409 on stale parents).
"""

from __future__ import annotations

import pytest

from tests.fakes import azure_devops, bitbucket_cloud, github, gitlab
from tests.fakes.fixtures import serve
from tests.fakes.gitlab_repository import CHANGED
from webapp.providers.state import FileState, blob_id

FILES = {"chart/Chart.yaml": b"name: shop\n", "chart/values.yaml": b"replicaCount: 1\n",
         "envs/dev/values.yaml": b"tag: '1'\n"}
NEW_TAG = {**FILES, "envs/dev/values.yaml": b"tag: '2'\n"}
HARNESSES = {"github": github.HARNESS, "gitlab": gitlab.HARNESS,
             "azure_devops": azure_devops.HARNESS, "bitbucket_cloud": bitbucket_cloud.HARNESS}


@pytest.fixture
def served(request):
    """(harness, running simulator, client, repository, its git, first commit's result)."""
    harness = HARNESSES[request.param]
    with serve(harness.simulator()) as sim:
        client = harness.provider(harness.settings(sim), backoff=0.01)
        repo = client.ensure_repository("shop")
        first = client.commit_files(repo, "main", FILES, "revision 1")
        sim.clear_log()
        yield harness, sim, client, repo, harness.git(sim, "shop"), first


def kind(name: str):
    return pytest.mark.parametrize("served", [name], indirect=True)


# --- GitHub ---------------------------------------------------------------------------


@kind("github")
def test_github_writes_only_the_changed_file_on_the_known_tree_and_commit(served):
    _harness, sim, client, repo, git, first = served

    result = client.commit_files(repo, "main", NEW_TAG, "revision 2", known=first.state)

    assert sim.operations() == ["get_ref", "create_tree", "create_commit", "update_ref"]
    tree = sim.calls("create_tree")[0].request_body
    assert tree["base_tree"] == first.state.tree == git.commits[first.sha].tree
    assert [entry["path"] for entry in tree["tree"]] == ["envs/dev/values.yaml"]
    assert sim.calls("create_commit")[0].request_body["parents"] == [first.sha]
    assert sim.calls("update_ref")[0].request_body["force"] is False
    assert result.state.tree == git.tip("main").tree
    assert git.tip("main").files["envs/dev/values.yaml"] == b"tag: '2'\n"


@kind("github")
def test_github_does_not_move_forward_a_branch_someone_rewound(served):
    # A fast-forward-only ref update would accept our commit on top of a rewound branch
    # (§1d: force=false only refuses a non-fast-forward), re-adding what was rewound: so
    # the fast path reads the branch first.
    _harness, _sim, client, repo, git, first = served
    second = client.commit_files(repo, "main", NEW_TAG, "revision 2", known=first.state)
    git.branches["main"] = first.sha  # someone resets main to revision 1 and force-pushes

    third = client.commit_files(repo, "main", {**NEW_TAG, "chart/Chart.yaml": b"name: x\n"},
                                "revision 3", known=second.state)

    assert git.tip("main").sha == third.sha
    assert git.tip("main").parents == (first.sha,)
    assert second.sha not in {commit.sha for commit in git.history("main")}


@kind("github")
def test_github_falls_back_when_a_commit_lands_before_its_ref_update(served):
    _harness, sim, client, repo, git, first = served
    sim.fault("update_ref", before=lambda: git.commit_on("main", {"other.yaml": b"x\n"},
                                                          "someone else"))

    result = client.commit_files(repo, "main", NEW_TAG, "revision 2", known=first.state)

    assert sim.operations() == ["get_ref", "create_tree", "create_commit", "update_ref",
                                "get_ref", "get_commit", "create_tree", "create_commit",
                                "update_ref"]
    assert sim.calls("update_ref")[0].status == 422
    assert sim.calls("update_ref")[0].response_body["message"] == "Update is not a fast forward"
    assert git.tip("main").sha == result.sha
    assert git.tip("main").files["other.yaml"] == b"x\n"
    assert result.state.files["envs/dev/values.yaml"].blob == blob_id(b"tag: '2'\n")


@kind("github")
def test_github_sends_binary_content_of_a_fast_commit_as_a_blob(served):
    _harness, sim, client, repo, git, first = served

    client.commit_files(repo, "main", {**FILES, "logo.png": b"\x89PNG\x00\xff"}, "logo",
                        known=first.state)

    assert sim.operations() == ["get_ref", "create_blob", "create_tree", "create_commit",
                                "update_ref"]
    assert git.tip("main").files["logo.png"] == b"\x89PNG\x00\xff"


# --- GitLab ---------------------------------------------------------------------------


@kind("gitlab")
def test_gitlab_reads_the_branch_then_updates_the_changed_file_naming_its_last_commit(served):
    _harness, sim, client, repo, _git, first = served

    result = client.commit_files(repo, "main", NEW_TAG, "revision 2", known=first.state)

    assert sim.operations() == ["get_branch", "create_commit"]
    assert sim.calls("get_branch")[0].path.endswith("/repository/branches/main")
    assert sim.calls("create_commit")[0].request_body["actions"] == [
        {"action": "update", "file_path": "envs/dev/values.yaml", "content": "tag: '2'\n",
         "last_commit_id": first.sha}]
    assert result.state.files["envs/dev/values.yaml"] == FileState(blob_id(b"tag: '2'\n"),
                                                                   result.sha)
    assert result.state.files["chart/Chart.yaml"] == first.state.files["chart/Chart.yaml"]


@kind("gitlab")
def test_gitlab_encodes_a_branch_with_a_slash_as_one_segment(served):
    _harness, sim, client, repo, git, _first = served
    started = client.commit_files(repo, "release/1.0", FILES, "release")
    sim.clear_log()

    client.commit_files(repo, "release/1.0", NEW_TAG, "release 2", known=started.state)

    assert sim.calls("get_branch")[0].path.endswith("/repository/branches/release%2F1.0")
    assert git.tip("release/1.0").files["envs/dev/values.yaml"] == b"tag: '2'\n"


@kind("gitlab")
def test_gitlab_creates_a_path_new_to_the_state_and_falls_back_if_it_exists(served):
    _harness, sim, client, repo, git, first = served
    assert "README.md" in git.tip("main").files  # from the project's creation

    result = client.commit_files(repo, "main", {**FILES, "README.md": b"# Shop\n"}, "readme",
                                 known=first.state)

    assert sim.operations() == ["get_branch", "create_commit", "get_file", "get_file",
                                "get_file", "get_file", "create_commit"]
    refused = sim.calls("create_commit")[0]
    assert refused.status == 400
    assert refused.response_body == {"message": "A file with this name already exists"}
    assert sim.calls("create_commit")[1].request_body["actions"][0]["action"] == "update"
    assert git.tip("main").sha == result.sha
    assert git.tip("main").files["README.md"] == b"# Shop\n"


@kind("gitlab")
def test_gitlab_commits_on_top_of_a_commit_that_slipped_in_and_then_forgets_the_state(served):
    # The commits API has no condition on the tip: a commit landing between our read of
    # the branch and our commit is built upon, as on the careful path; only the files we
    # write are guarded (last_commit_id). What the others are is then not known.
    _harness, sim, client, repo, git, first = served
    sim.before["create_commit"] = lambda: git.commit_on("main", {"other.yaml": b"x\n"},
                                                        "someone else")

    result = client.commit_files(repo, "main", NEW_TAG, "revision 2", known=first.state)

    assert git.tip("main").sha == result.sha
    assert git.tip("main").parents == (git.history("main")[1].sha,)
    assert git.history("main")[1].message == "someone else"
    assert git.tip("main").files["other.yaml"] == b"x\n"
    assert result.state is None


@kind("gitlab")
def test_gitlab_falls_back_when_someone_changed_the_file_since_the_branch_was_read(served):
    _harness, sim, client, repo, git, first = served
    sim.before["create_commit"] = lambda: (
        sim.before.pop("create_commit"),
        git.commit_on("main", {"envs/dev/values.yaml": b"theirs\n"}, "someone else"))

    result = client.commit_files(repo, "main", NEW_TAG, "revision 2", known=first.state)

    refused = sim.calls("create_commit")[0]
    assert refused.status == 400
    assert refused.response_body["message"] == CHANGED
    assert git.tip("main").sha == result.sha
    assert git.tip("main").files["envs/dev/values.yaml"] == b"tag: '2'\n"
    assert git.history("main")[1].message == "someone else"
    assert result.state.files["envs/dev/values.yaml"].commit == result.sha


# --- Azure DevOps ---------------------------------------------------------------------


@kind("azure_devops")
def test_azure_pushes_the_changed_file_on_the_known_commit_in_one_call(served):
    _harness, sim, client, repo, git, first = served

    result = client.commit_files(repo, "main", NEW_TAG, "revision 2", known=first.state)

    assert sim.operations() == ["create_push"]
    body = sim.calls("create_push")[0].request_body
    assert body["refUpdates"] == [{"name": "refs/heads/main", "oldObjectId": first.sha}]
    assert [(change["changeType"], change["item"]["path"])
            for change in body["commits"][0]["changes"]] == [("edit", "/envs/dev/values.yaml")]
    assert git.tip("main").sha == result.sha
    assert git.tip("main").parents == (first.sha,)


@kind("azure_devops")
def test_azure_falls_back_on_tf401028_when_someone_pushed_since(served):
    _harness, sim, client, repo, git, first = served
    git.commit_on("main", {"other.yaml": b"x\n"}, "someone else")

    result = client.commit_files(repo, "main", NEW_TAG, "revision 2", known=first.state)

    assert sim.operations() == ["create_push", "list_refs", "list_items", "create_push"]
    assert sim.calls("create_push")[0].status == 409
    assert "TF401028" in sim.calls("create_push")[0].response_body["message"]
    assert git.tip("main").sha == result.sha
    assert git.tip("main").files["other.yaml"] == b"x\n"


@kind("azure_devops")
def test_azure_adds_a_path_new_to_the_state_and_falls_back_if_it_exists(served):
    _harness, sim, client, repo, git, _first = served
    git.commit_on("main", {"README.md": b"# theirs\n"}, "someone else")
    known = client.commit_files(repo, "main", NEW_TAG, "revision 2").state
    sim.clear_log()

    result = client.commit_files(repo, "main", {**NEW_TAG, "README.md": b"# shop\n"},
                                 "readme", known=known)

    assert sim.operations() == ["create_push", "list_refs", "list_items", "create_push"]
    assert sim.calls("create_push")[0].status == 400
    assert "TF401282" in sim.calls("create_push")[0].response_body["message"]
    assert git.tip("main").sha == result.sha
    assert git.tip("main").files["README.md"] == b"# shop\n"


# --- Bitbucket Cloud --------------------------------------------------------------------


@kind("bitbucket_cloud")
def test_bitbucket_uploads_the_changed_file_with_the_known_parent_then_reads_the_branch(
        served):
    _harness, sim, client, repo, git, first = served

    result = client.commit_files(repo, "main", NEW_TAG, "revision 2", known=first.state)

    assert sim.operations() == ["create_commit", "get_branch"]
    upload = sim.calls("create_commit")[0].request_body
    assert upload["form"]["parents"] == first.sha
    assert upload["files"] == ["/envs/dev/values.yaml"]
    assert git.tip("main").sha == result.sha
    assert git.tip("main").parents == (first.sha,)


@kind("bitbucket_cloud")
def test_bitbucket_falls_back_on_the_409_of_stale_parents(served):
    _harness, sim, client, repo, git, first = served
    git.commit_on("main", {"other.yaml": b"x\n"}, "someone else")

    result = client.commit_files(repo, "main", NEW_TAG, "revision 2", known=first.state)

    assert sim.operations() == ["create_commit", "get_branch", "get_file", "get_file",
                                "get_file", "create_commit", "get_branch"]
    assert sim.calls("create_commit")[0].status == 409
    assert git.tip("main").sha == result.sha
    assert git.tip("main").files["other.yaml"] == b"x\n"


@kind("bitbucket_cloud")
def test_bitbucket_leaves_sha_and_state_unknown_if_the_branch_moves_right_after(served):
    _harness, sim, client, repo, git, first = served
    sim.fault("get_branch", before=lambda: git.commit_on("main", {"other.yaml": b"x\n"},
                                                          "someone else"))

    result = client.commit_files(repo, "main", NEW_TAG, "revision 2", known=first.state)

    assert (result.changed, result.sha, result.state) == (True, None, None)
    assert git.history("main")[1].files["envs/dev/values.yaml"] == b"tag: '2'\n"
