"""Pull and merge requests as the simulators keep them, with what a person does in the UI.

Every simulated repository (GitRepo.reviews) has one ReviewBoard. Each simulator renders
its reviews in its provider's own shape and states (GitHub open/closed + merged, GitLab
opened/merged/closed, Azure DevOps active/completed/abandoned, Bitbucket OPEN/MERGED/
DECLINED). Tests merge or close a request with merge() and close(), as a reviewer would
on the provider's site: merging applies the source branch's changes to the target branch
(a three-way merge from the merge base) and records a merge commit with both parents.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.fakes.git import Commit, GitRepo

OPEN, MERGED, CLOSED = "open", "merged", "closed"


@dataclass
class Review:
    """One pull/merge request."""

    number: int
    source: str
    target: str
    title: str
    description: str
    author: str
    state: str = OPEN
    merge_commit: str | None = None
    head: str | None = None          # the source tip when it was merged or closed
    created_at: float = field(default_factory=time.time)
    closed_at: float | None = None

    def test_merge_sha(self, source_tip: str | None) -> str:
        """GitHub's merge_commit_sha of an open request: a test merge, never on a branch."""
        return hashlib.sha1(f"test-merge {self.number} {source_tip}".encode(),
                            usedforsecurity=False).hexdigest()


class MergeConflict(Exception):
    """Both sides changed a path differently since the merge base."""


class ReviewBoard:
    """A repository's pull/merge requests."""

    def __init__(self, git: GitRepo) -> None:
        self.git = git
        self.items: dict[int, Review] = {}
        self._next = 1

    def open(self, source: str, target: str, title: str, description: str, author: str,
             number: int | None = None) -> Review:
        """A new open request (the caller checks for duplicates as its provider does)."""
        number = number if number is not None else self._next
        self._next = max(self._next, number) + 1
        review = Review(number, source, target, title, description, author)
        self.items[number] = review
        return review

    def get(self, number: int) -> Review | None:
        """The request of that number."""
        return self.items.get(number)

    def find(self, state: str | None = None, source: str | None = None,
             target: str | None = None) -> list[Review]:
        """Requests matching every given criterion, oldest first."""
        return [review for review in sorted(self.items.values(), key=lambda r: r.number)
                if (state is None or review.state == state)
                and (source is None or review.source == source)
                and (target is None or review.target == target)]

    def head(self, review: Review) -> str | None:
        """The source branch's commit the request shows: its tip while open."""
        return self.git.branches.get(review.source) if review.state == OPEN else review.head

    def merge(self, number: int, user: str = "Reviewer") -> Commit:
        """Merge as a person would in the UI: a merge commit on the target branch."""
        git = self.git
        with git.lock:
            review = self.items[number]
            if review.state != OPEN:
                raise ValueError(f"request {number} is {review.state}")
            source, target = git.tip(review.source), git.tip(review.target)
            base = merge_base(git, source.sha, target.sha)
            files = three_way(git.commits[base].files if base else {}, target.files,
                              source.files)
            commit = git.make_commit(files, (target.sha, source.sha),
                                     f"Merge branch '{review.source}' into '{review.target}'",
                                     user, f"{user.lower()}@example.com")
            git.move_branch(review.target, commit.sha, target.sha)
            review.state, review.merge_commit, review.head = MERGED, commit.sha, source.sha
            review.closed_at = time.time()
            return commit

    def close(self, number: int) -> Review:
        """Close (GitHub, GitLab), abandon (Azure) or decline (Bitbucket) without merging."""
        review = self.items[number]
        if review.state == OPEN:
            review.head = self.git.branches.get(review.source)
            review.state, review.closed_at = CLOSED, time.time()
        return review


def merge_base(git: GitRepo, a: str, b: str) -> str | None:
    """The nearest common ancestor of two commits (breadth-first from b)."""
    ancestors_of_a, queue = set(), deque([a])
    while queue:
        sha = queue.popleft()
        if sha not in ancestors_of_a:
            ancestors_of_a.add(sha)
            queue.extend(git.commits[sha].parents)
    seen, queue = set(), deque([b])
    while queue:
        sha = queue.popleft()
        if sha in ancestors_of_a:
            return sha
        if sha not in seen:
            seen.add(sha)
            queue.extend(git.commits[sha].parents)
    return None


def three_way(base: dict[str, bytes], ours: dict[str, bytes],
              theirs: dict[str, bytes]) -> dict[str, bytes]:
    """The merged snapshot: each side's changes since base; MergeConflict where both differ."""
    merged = {}
    for path in base.keys() | ours.keys() | theirs.keys():
        old, mine, other = base.get(path), ours.get(path), theirs.get(path)
        if mine == other or other == old:
            result = mine
        elif mine == old:
            result = other
        else:
            raise MergeConflict(path)
        if result is not None:
            merged[path] = result
    return merged
