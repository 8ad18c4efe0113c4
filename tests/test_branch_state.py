"""BranchState: what a commit leaves behind for the next one, and how it is stored."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from webapp.providers.state import BranchState, FileState, blob_id

A, B = b"a: 1\n", b"b: 2\n"
STATE = BranchState("c" * 40, "d" * 40, {"a.yaml": FileState(blob_id(A), "e" * 40),
                                          "b.yaml": FileState(blob_id(B))})


def test_a_blob_id_is_the_one_git_computes():
    assert blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # git's empty blob
    assert blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_a_blob_id_matches_git_hash_object_where_git_is_installed(tmp_path):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed here")
    file = tmp_path / "values.yaml"
    file.write_bytes(b"replicaCount: 3\n\xff binary too\n")

    made = subprocess.run([git, "hash-object", str(file)], capture_output=True, text=True,
                          check=True, timeout=30)

    assert blob_id(file.read_bytes()) == made.stdout.strip()


def test_the_state_survives_json_as_a_dict_and_as_text():
    stored = json.dumps(STATE.to_json())

    assert BranchState.from_json(json.loads(stored)) == STATE
    assert BranchState.from_json(stored) == STATE
    assert BranchState.from_json(stored.encode()) == STATE


@pytest.mark.parametrize("stored", [
    None, "", "not json", "[]", {}, {"format": 2, "commit": "c" * 40, "files": {}},
    {"format": 1, "commit": "", "files": {}},
    {"format": 1, "commit": "c" * 40, "files": []},
    {"format": 1, "commit": "c" * 40, "tree": 7, "files": {}},
    {"format": 1, "commit": "c" * 40, "files": {"a.yaml": "abc"}},
    {"format": 1, "commit": "c" * 40, "files": {"a.yaml": ["abc", 1]}},
])
def test_a_state_that_cannot_be_read_back_is_none_which_means_the_careful_path(stored):
    assert BranchState.from_json(stored) is None


def test_the_state_cannot_be_changed_by_its_holder():
    files = {"a.yaml": FileState(blob_id(A))}
    state = BranchState("c" * 40, files=files)
    files["b.yaml"] = FileState(blob_id(B))

    assert list(state.files) == ["a.yaml"]
    with pytest.raises(TypeError):
        state.files["b.yaml"] = FileState(blob_id(B))


def test_changes_are_what_differs_from_the_recorded_blobs():
    written, deleted = STATE.changes({"a.yaml": A, "b.yaml": b"b: 3\n", "new.yaml": A})

    assert written == {"b.yaml": b"b: 3\n", "new.yaml": A}
    assert deleted == set()
    assert STATE.changes({"a.yaml": None}) == ({}, {"a.yaml"})


def test_deleting_a_path_the_state_does_not_record_is_not_known():
    assert STATE.changes({"a.yaml": A, "elsewhere.yaml": None}) is None
    assert STATE.unchanged({"elsewhere.yaml": None}) is False


def test_unchanged_means_every_content_has_its_recorded_blob():
    assert STATE.unchanged({"a.yaml": A, "b.yaml": B}) is True
    assert STATE.unchanged({"a.yaml": A}) is True
    assert STATE.unchanged({"a.yaml": B}) is False
    assert STATE.unchanged({"new.yaml": A}) is False


def test_the_state_after_a_commit_keeps_what_it_did_not_touch():
    after = STATE.after("f" * 40, {"b.yaml": FileState(blob_id(A))}, {"a.yaml"}, tree="1" * 40)

    assert after == BranchState("f" * 40, "1" * 40, {"b.yaml": FileState(blob_id(A))})
    assert STATE.after("f" * 40, {}).files == STATE.files
