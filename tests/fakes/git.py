"""A small in-memory git: real object ids for blobs, trees and commits.

The simulators keep repositories here. Object ids are computed exactly as git computes
them, so that a client comparing blob ids (Azure DevOps' items list) or tree ids
(GitHub's trees) sees what it would see on the real service.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field

from tests.fakes.reviews import ReviewBoard

ZERO_SHA = "0" * 40


def object_id(kind: str, payload: bytes) -> str:
    """The git object id of payload as an object of kind (blob, tree, commit)."""
    return hashlib.sha1(f"{kind} {len(payload)}\0".encode() + payload).hexdigest()  # noqa: S324


def blob_id(content: bytes) -> str:
    """The git blob id of content."""
    return object_id("blob", content)


def tree_id(files: dict[str, bytes]) -> str:
    """The git tree id of a snapshot {path: content}, nested directories included."""
    entries: dict[str, tuple[str, str]] = {}  # name -> (mode, id)
    subdirectories: dict[str, dict[str, bytes]] = {}
    for path, content in files.items():
        head, _, rest = path.partition("/")
        if rest:
            subdirectories.setdefault(head, {})[rest] = content
        else:
            entries[head] = ("100644", blob_id(content))
    for name, snapshot in subdirectories.items():
        entries[name] = ("40000", tree_id(snapshot))

    def sort_key(name: str) -> str:  # git sorts trees as if their name ended with "/"
        return name + "/" if entries[name][0] == "40000" else name

    payload = b"".join(
        f"{entries[name][0]} {name}".encode() + b"\0" + bytes.fromhex(entries[name][1])
        for name in sorted(entries, key=sort_key))
    return object_id("tree", payload)


@dataclass(frozen=True)
class Commit:
    """One commit: the whole snapshot of files, its parents and its metadata."""

    sha: str
    files: dict[str, bytes]
    tree: str
    parents: tuple[str, ...]
    message: str
    author_name: str
    author_email: str
    timestamp: int


@dataclass
class GitRepo:
    """Branches pointing at commits, with compare-and-swap updates."""

    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    trees: dict[str, dict[str, bytes]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    default_branch: str | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)
    reviews: ReviewBoard = field(init=False, repr=False)  # pull/merge requests

    def __post_init__(self) -> None:
        self.reviews = ReviewBoard(self)

    @property
    def empty(self) -> bool:
        """No branch yet: nothing was ever committed."""
        return not self.branches

    def tip(self, branch: str) -> Commit | None:
        """The commit branch points at, if the branch exists."""
        sha = self.branches.get(branch)
        return self.commits[sha] if sha else None

    def store_tree(self, files: dict[str, bytes]) -> str:
        """Keep a snapshot as a tree object; return its id."""
        sha = tree_id(files)
        self.trees[sha] = dict(files)
        for content in files.values():
            self.blobs[blob_id(content)] = content
        return sha

    def make_commit(self, files: dict[str, bytes], parents: tuple[str, ...], message: str,
                    author_name: str = "Simulator", author_email: str = "sim@example.com",
                    timestamp: int | None = None) -> Commit:
        """Create a commit object (not yet on any branch)."""
        tree = self.store_tree(files)
        stamp = int(time.time()) if timestamp is None else timestamp
        lines = [f"tree {tree}", *(f"parent {parent}" for parent in parents),
                 f"author {author_name} <{author_email}> {stamp} +0000",
                 f"committer {author_name} <{author_email}> {stamp} +0000", "", message]
        sha = object_id("commit", "\n".join(lines).encode())
        commit = Commit(sha, dict(files), tree, parents, message, author_name, author_email,
                        stamp)
        self.commits[sha] = commit
        return commit

    def move_branch(self, branch: str, new_sha: str, expected_old: str | None) -> bool:
        """Point branch at new_sha if it still points at expected_old (None: must not exist)."""
        with self.lock:
            if self.branches.get(branch) != expected_old:
                return False
            self.branches[branch] = new_sha
            if self.default_branch is None:
                self.default_branch = branch
            return True

    def commit_on(self, branch: str, changes: dict[str, bytes | None], message: str,
                  author_name: str = "Simulator", author_email: str = "sim@example.com",
                  expected_tip: str | object | None = ...) -> Commit:
        """Apply changes (None deletes) on top of branch's tip atomically; return the commit."""
        with self.lock:
            tip = self.tip(branch)
            if expected_tip is not ... and (tip.sha if tip else None) != expected_tip:
                raise BranchMoved(branch)
            files = dict(tip.files) if tip else {}
            for path, content in changes.items():
                if content is None:
                    files.pop(path, None)
                else:
                    files[path] = content
            commit = self.make_commit(files, (tip.sha,) if tip else (), message, author_name,
                                      author_email)
            self.move_branch(branch, commit.sha, tip.sha if tip else None)
            return commit

    def history(self, branch: str) -> list[Commit]:
        """Commits reachable from branch by first parents, newest first."""
        result, sha = [], self.branches.get(branch)
        while sha:
            commit = self.commits[sha]
            result.append(commit)
            sha = commit.parents[0] if commit.parents else None
        return result


class BranchMoved(Exception):
    """The branch's tip is not the one the caller expected."""
