"""The diff a preview shows: per file, exact, with a summary and a content hash."""

from webapp.deploy.diff import content_hash, diff


def test_a_changed_file_shows_a_unified_diff_and_counts_its_lines():
    result = diff({"envs/dev/values.yaml": b"replicaCount: 1\nimage: web\n"},
                  {"envs/dev/values.yaml": b"replicaCount: 3\nimage: web\n",
                   "chart/Chart.yaml": b"name: shop\n"})

    [change] = result.files
    assert change.change == "changed"
    assert change.diff.splitlines()[:2] == ["--- a/envs/dev/values.yaml",
                                            "+++ b/envs/dev/values.yaml"]
    assert "-replicaCount: 1" in change.diff and "+replicaCount: 3" in change.diff
    assert (change.added_lines, change.removed_lines) == (1, 1)
    assert result.summary() == "1 file (1 changed), +1 −1 lines."


def test_new_and_removed_files_diff_against_nothing():
    result = diff({"a.yaml": None, "old.yaml": b"x: 1\n"},
                  {"a.yaml": b"a: 1\nb: 2\n", "old.yaml": None})

    added, removed = result.files
    assert (added.path, added.change, added.added_lines) == ("a.yaml", "added", 2)
    assert added.diff.startswith("--- /dev/null\n+++ b/a.yaml\n")
    assert (removed.change, removed.removed_lines) == ("removed", 1)
    assert "+++ /dev/null" in removed.diff


def test_nothing_to_change_is_said_plainly():
    result = diff({}, {"a.yaml": b"a: 1\n"})

    assert result.unchanged
    assert result.summary() == "No changes."


def test_a_missing_final_newline_is_marked_as_git_does():
    result = diff({"a": b"x"}, {"a": b"y"})

    assert "\\ No newline at end of file" in result.files[0].diff


def test_binary_files_are_named_not_dumped():
    result = diff({"logo.png": b"\x89PNG\xff\x00"}, {"logo.png": b"\x89PNG\xfe\x00"})

    assert result.files[0].diff == "Binary file differs.\n"


def test_the_content_hash_changes_with_any_byte_and_ignores_order():
    one = content_hash({"a": b"1", "b": b"2"})

    assert one == content_hash({"b": b"2", "a": b"1"})
    assert one != content_hash({"a": b"1", "b": b"3"})
    assert one != content_hash({"a": b"1", "b": None})
    assert one != content_hash({"a": b"1", "c": b"2"})
