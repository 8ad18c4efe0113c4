"""Diff previews and listings (issue 13), against every provider's simulator.

A preview shows what a deploy would change and must never change anything itself: every
exchange is a read. It returns exactly the paths that differ, with what the branch holds
now, whether it starts from a known state or not, and however the branch moved.
"""

from __future__ import annotations

import pytest

from webapp.providers.changes import Snapshot
from webapp.providers.state import blob_id

FILES = {"chart/Chart.yaml": b"name: shop\n", "chart/values.yaml": b"replicaCount: 1\n",
         "envs/dev/values.yaml": b"tag: '1'\n"}
NEW_TAG = {**FILES, "envs/dev/values.yaml": b"tag: '2'\n"}


def deployed(harness, simulator, provider, name: str = "shop"):
    """A repository whose main holds FILES, and the state that commit returned."""
    repo = provider.ensure_repository(name)
    result = provider.commit_files(repo, "main", FILES, "revision 1")
    return repo, harness.git(simulator, name), result.state


def reads_only(simulator) -> bool:
    return all(call.method == "GET" for call in simulator.calls())


@pytest.mark.parametrize("with_state", [False, True], ids=["without state", "known state"])
def test_a_preview_sends_no_write_and_returns_exactly_the_differing_files(
        harness, simulator, make_provider, with_state):
    provider = make_provider()
    repo, git, state = deployed(harness, simulator, provider)
    planned = {**NEW_TAG, "envs/dev/application.yaml": b"kind: Application\n",
               "chart/values.yaml": None}
    tip = git.tip("main").sha
    simulator.clear_log()

    snapshot = make_provider().current_files(repo, "main", planned,
                                             known=state if with_state else None)

    assert reads_only(simulator)
    assert git.tip("main").sha == tip
    assert snapshot == Snapshot(tip, {"envs/dev/values.yaml": b"tag: '1'\n",
                                      "envs/dev/application.yaml": None,
                                      "chart/values.yaml": b"replicaCount: 1\n"})


def test_a_preview_of_what_is_there_already_is_no_change(harness, simulator, make_provider):
    provider = make_provider()
    repo, _git, state = deployed(harness, simulator, provider)

    for known in (None, state):
        snapshot = provider.current_files(repo, "main", {**FILES, "gone.yaml": None},
                                          known=known)
        assert snapshot.unchanged
        assert snapshot.files == {}


def test_a_preview_after_someone_else_committed_shows_their_content_not_the_known_one(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git, state = deployed(harness, simulator, provider)
    theirs = git.commit_on("main", {"chart/values.yaml": b"replicaCount: 9\n"},
                           "someone else's commit").sha
    simulator.clear_log()

    snapshot = provider.current_files(repo, "main", NEW_TAG, known=state)

    assert reads_only(simulator)
    assert snapshot.tip == theirs
    assert snapshot.files == {"chart/values.yaml": b"replicaCount: 9\n",
                              "envs/dev/values.yaml": b"tag: '1'\n"}


def test_a_preview_of_a_branch_that_does_not_exist_shows_every_file_as_new(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, _git, _state = deployed(harness, simulator, provider)

    snapshot = provider.current_files(repo, "gitops/shop/dev/7", {**FILES, "old.yaml": None})

    assert snapshot == Snapshot(None, dict.fromkeys(FILES))


def test_a_known_state_saves_reading_the_listing(harness, simulator, make_provider):
    provider = make_provider()
    repo, _git, state = deployed(harness, simulator, provider)
    costs = {}
    for label, known in (("without", None), ("with", state)):
        simulator.clear_log()
        provider.current_files(repo, "main", NEW_TAG, known=known)
        costs[label] = len(simulator.calls())

    assert costs["with"] == 2  # the branch, and the one file that differs
    assert costs["with"] < costs["without"]


def test_listing_a_directory_gives_its_files_and_none_of_its_neighbours(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git, _state = deployed(harness, simulator, provider)
    git.commit_on("main", {"envs/prod/values.yaml": b"tag: '0'\n",
                           "envs/dev/extra/notes.md": b"mine\n"}, "more")
    simulator.clear_log()

    listing = provider.list_files(repo, "main", "envs/dev")

    assert listing.tip == git.tip("main").sha
    assert set(listing.files) == {"envs/dev/values.yaml", "envs/dev/extra/notes.md"}
    assert reads_only(simulator)


def test_listing_gives_blob_ids_where_the_provider_lists_them(harness, simulator,
                                                             make_provider):
    provider = make_provider()
    repo, _git, _state = deployed(harness, simulator, provider)

    listing = provider.list_files(repo, "main", "chart")

    expected = {path: blob_id(content) for path, content in FILES.items()
                if path.startswith("chart/")}
    if provider.LISTS_BLOB_IDS:
        assert dict(listing.files) == expected
    else:  # Bitbucket's listing has no blob ids (§4j)
        assert dict(listing.files) == dict.fromkeys(expected)


def test_listing_a_missing_directory_or_branch_is_empty(harness, simulator, make_provider):
    provider = make_provider()
    repo, _git, _state = deployed(harness, simulator, provider)

    assert provider.list_files(repo, "main", "envs/nowhere").files == {}
    assert provider.list_files(repo, "no-such-branch").tip is None


def test_listing_the_whole_repository_follows_every_page_and_every_level(
        harness, simulator, make_provider):
    provider = make_provider()
    repo, git, _state = deployed(harness, simulator, provider)
    many = {f"envs/e{number:03}/values.yaml": b"x\n" for number in range(120)}
    deep = {"a/b/c/d/e/f/g.yaml": b"deep\n"}
    git.commit_on("main", {**many, **deep}, "many environments")

    listing = provider.list_files(repo, "main")

    assert set(listing.files) == set(git.tip("main").files)
