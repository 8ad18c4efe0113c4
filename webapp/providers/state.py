"""What the app knows of a branch after its own last commit there, so the next commit can
skip reading back what it wrote itself.

A deploy keeps the BranchState its commit_files call returned and hands it to the next
one (`known=`). While the branch's tip is still that commit, the files the app wrote are
exactly as recorded: unchanged ones need no read-back, and "no changes" needs no file read
at all. Every provider checks the tip before it relies on the state, so a state that is
stale (someone else committed), foreign (another repository) or damaged only costs the
careful path, never a wrong commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

FORMAT = 1  # to_json's "format": a state written by another format is not read back


def blob_id(content: bytes) -> str:
    """The git blob id of content: sha1 of b"blob <length>\\0" + content."""
    header = f"blob {len(content)}\0".encode()
    return hashlib.sha1(header + content, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class FileState:
    """One file as the app left it: its blob id and, where the provider tells it, the last
    commit that changed it (GitLab's last_commit_id, which its updates must name)."""

    blob: str
    commit: str | None = None


@dataclass(frozen=True)
class BranchState:
    """What the app knows of a branch right after its own last commit there."""

    commit: str                 # the tip that commit made
    tree: str | None = None     # that commit's tree id (GitHub), where known
    files: Mapping[str, FileState] = field(default_factory=dict)  # every path the app wrote

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", MappingProxyType(dict(self.files)))

    def unchanged(self, files: Mapping[str, bytes | None]) -> bool:
        """Whether committing files would change none of the paths, as far as this state
        knows. A deletion is never known to be a no-op: an unrecorded path may exist."""
        return self.changes(files) == ({}, set())

    def changes(self, files: Mapping[str, bytes | None]
                ) -> tuple[dict[str, bytes], set[str]] | None:
        """(contents to write, recorded paths to delete) that turn this state's files into
        `files`; None when a deletion names a path this state does not record."""
        written, deleted = {}, set()
        for path, content in files.items():
            recorded = self.files.get(path)
            if content is None:
                if recorded is None:
                    return None
                deleted.add(path)
            elif recorded is None or recorded.blob != blob_id(content):
                written[path] = content
        return written, deleted

    def after(self, commit: str, written: Mapping[str, FileState],
              deleted: frozenset[str] | set[str] = frozenset(), tree: str | None = None
              ) -> BranchState:
        """The state after a commit whose only parent is self.commit and which wrote
        `written` and deleted `deleted`: every other recorded path carries over."""
        files = {path: state for path, state in self.files.items() if path not in deleted}
        files.update(written)
        return BranchState(commit, tree, files)

    def to_json(self) -> dict:
        """A JSON-ready dict (json.dumps it, or store it in a JSON column)."""
        return {"format": FORMAT, "commit": self.commit, "tree": self.tree,
                "files": {path: [state.blob, state.commit]
                          for path, state in sorted(self.files.items())}}

    @classmethod
    def from_json(cls, data: Mapping | str | bytes | None) -> BranchState | None:
        """The state to_json wrote (as a dict or as JSON text); None for anything else,
        which simply means the next commit takes the careful path."""
        if isinstance(data, str | bytes):
            try:
                data = json.loads(data)
            except ValueError:
                return None
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            return None
        commit, tree, files = data.get("commit"), data.get("tree"), data.get("files")
        if not _text(commit) or not (tree is None or _text(tree)) \
                or not isinstance(files, Mapping):
            return None
        states = {}
        for path, entry in files.items():
            if not (isinstance(entry, list | tuple) and len(entry) == 2 and _text(entry[0])
                    and (entry[1] is None or _text(entry[1]))):
                return None
            states[path] = FileState(entry[0], entry[1])
        return cls(commit, tree, states)


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value)
