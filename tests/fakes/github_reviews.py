"""The review half of the GitHub simulator: pull requests, branch deletion, trees and blobs
(PROVIDER-APIS.md §1j).

Quirks kept from the real service: a pull request's state is only open or closed, merged
ones say so in merged/merged_at (list items carry merged_at only); an open request's
merge_commit_sha is a test merge that is on no branch; a second open request for the same
head and base is 422 "A pull request already exists for owner:branch." [O]; deleting a
missing ref is 422 "Reference does not exist" [O]; trees are listed by tree SHA or branch
name, recursively for any value of recursive, and a commit SHA is refused (404: [U], the
stricter case); blobs come base64-encoded.
"""

from __future__ import annotations

import base64
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote

from tests.fakes.git import blob_id, tree_id
from tests.fakes.reviews import MERGED, OPEN, Review
from tests.fakes.simulator import Reply, SimRequest, handles

if TYPE_CHECKING:
    from tests.fakes.github import Repo

DOCS = "https://docs.github.com/rest"


def _invalid(summary: str, **error) -> Reply:
    return Reply(422, {"message": summary, "documentation_url": DOCS,
                       "errors": [error] if error else []})


def _stamp(when: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when)) if when else None


class GitHubReviews:
    """The handlers of GitHubSimulator for pull requests, branches, trees and blobs."""

    @handles("create_pull")
    def create_pull(self, request: SimRequest, owner: str, repo: str) -> Reply:
        found = self._repo(request.principal, owner, repo)
        self._require(request.principal, "repo", "pull_requests:write",
                      "Resource not accessible by personal access token")
        body, git = request.json, found.git
        head, base = body["head"].rpartition(":")[2], body["base"]
        for name, field_name in ((base, "base"), (head, "head")):
            if name not in git.branches:
                raise _invalid("Validation Failed", resource="PullRequest", field=field_name,
                               code="invalid")
        if git.branches[head] == git.branches[base]:
            raise _invalid("Validation Failed", resource="PullRequest", code="custom",
                           message=f"No commits between {base} and {head}")
        if git.reviews.find(OPEN, head, base):
            raise _invalid("Validation Failed", resource="PullRequest", code="custom",
                           message=f"A pull request already exists for {found.org}:{head}.")
        review = git.reviews.open(head, base, body["title"], body.get("body") or "",
                                  request.principal.login)
        pull = self._pull_json(found, review)
        return Reply(201, pull, headers={**self._headers(request.principal),
                                         "Location": pull["url"]})

    @handles("list_pulls")
    def list_pulls(self, request: SimRequest, owner: str, repo: str) -> Reply:
        found = self._repo(request.principal, owner, repo)
        state = request.query.get("state", "open")
        head = request.query.get("head")
        if head is not None and ":" not in head:  # must be user:ref-name (§1j [P])
            raise _invalid("Validation Failed", resource="PullRequest", field="head",
                           code="invalid")
        pulls = [self._pull_json(found, review, simple=True)
                 for review in found.git.reviews.find()
                 if (state == "all" or _github_state(review) == state)
                 and (head is None or head == f"{found.org}:{review.source}")
                 and request.query.get("base") in (None, review.target)]
        return Reply(200, pulls, headers=self._headers(request.principal))

    @handles("get_pull")
    def get_pull(self, request: SimRequest, owner: str, repo: str, pull_number: str) -> Reply:
        found = self._repo(request.principal, owner, repo)
        return Reply(200, self._pull_json(found, self._review(found, pull_number)),
                     headers=self._headers(request.principal))

    @handles("update_pull")
    def update_pull(self, request: SimRequest, owner: str, repo: str,
                    pull_number: str) -> Reply:
        found = self._repo(request.principal, owner, repo)
        self._require(request.principal, "repo", "pull_requests:write",
                      "Resource not accessible by personal access token")
        review = self._review(found, pull_number)
        if request.json["state"] == "closed":
            found.git.reviews.close(review.number)
        return Reply(200, self._pull_json(found, review),
                     headers=self._headers(request.principal))

    @handles("delete_ref")
    def delete_ref(self, request: SimRequest, owner: str, repo: str, ref: str) -> Reply:
        found = self._writable(request, owner, repo)
        branch = unquote(ref).removeprefix("heads/")
        with found.git.lock:
            if not unquote(ref).startswith("heads/") or branch not in found.git.branches:
                raise Reply(422, {"message": "Reference does not exist",
                                  "documentation_url": DOCS})
            if branch == found.git.default_branch:
                raise Reply(422, {"message": "Validation failed, an attempt was made to delete "
                                             "the default branch", "documentation_url": DOCS})
            del found.git.branches[branch]
        return Reply(204, headers=self._headers(request.principal))

    @handles("get_tree")
    def get_tree(self, request: SimRequest, owner: str, repo: str, tree_sha: str) -> Reply:
        found = self._repo(request.principal, owner, repo)
        self._nonempty(found)
        name = unquote(tree_sha)
        if name in found.git.branches:  # the parameter also takes a branch name (§1j [P])
            name = found.git.tip(name).tree
        files = found.git.trees.get(name)
        if files is None:
            raise Reply(404, {"message": "Not Found", "documentation_url": DOCS})
        recursive = "recursive" in request.query  # any value, even 0 or false (§1j [P])
        base = f"{self.api_url}/repos/{found.org}/{found.name}/git"
        return Reply(200, {"sha": name, "url": f"{base}/trees/{name}", "truncated": False,
                           "tree": _entries(files, recursive, base)},
                     headers=self._headers(request.principal))

    @handles("get_blob")
    def get_blob(self, request: SimRequest, owner: str, repo: str, file_sha: str) -> Reply:
        found = self._repo(request.principal, owner, repo)
        self._nonempty(found)
        content = found.git.blobs.get(file_sha)
        if content is None:
            raise Reply(404, {"message": "Not Found", "documentation_url": DOCS})
        return Reply(200, {"sha": file_sha, "node_id": f"B_{file_sha[:8]}",
                           "size": len(content), "encoding": "base64",
                           "url": f"{self.api_url}/repos/{found.org}/{found.name}/git/blobs/"
                                  f"{file_sha}",
                           "content": base64.encodebytes(content).decode()},
                     headers=self._headers(request.principal))

    # --- helpers ----------------------------------------------------------------------

    def _review(self, found: Repo, number: str) -> Review:
        review = found.git.reviews.get(int(number)) if number.isdigit() else None
        if review is None:
            raise Reply(404, {"message": "Not Found", "documentation_url": DOCS})
        return review

    def _pull_json(self, found: Repo, review: Review, simple: bool = False) -> dict:
        git, full = found.git, f"{found.org}/{found.name}"
        head = git.reviews.head(review)
        merged = review.state == MERGED
        body = {"url": f"{self.api_url}/repos/{full}/pulls/{review.number}",
                "id": 7000 + review.number, "node_id": f"PR_{review.number}",
                "html_url": f"{self.url}/{full}/pull/{review.number}",
                "number": review.number, "state": _github_state(review),
                "locked": False, "title": review.title, "body": review.description or None,
                "user": {"login": review.author, "id": 1},
                "created_at": _stamp(review.created_at), "updated_at": _stamp(time.time()),
                "closed_at": _stamp(review.closed_at),
                "merged_at": _stamp(review.closed_at) if merged else None,
                # Before a merge: the test merge commit, on no branch (§1j [P]).
                "merge_commit_sha": review.merge_commit if merged
                else review.test_merge_sha(head),
                "draft": False,
                "head": {"label": f"{found.org}:{review.source}", "ref": review.source,
                         "sha": head},
                "base": {"label": f"{found.org}:{review.target}", "ref": review.target,
                         "sha": git.branches.get(review.target)}}
        if not simple:
            body.update(merged=merged, mergeable=True if review.state == OPEN else None,
                        comments=0, commits=1)
        return body


def _github_state(review: Review) -> str:
    return "open" if review.state == OPEN else "closed"


def _entries(files: dict[str, bytes], recursive: bool, base: str) -> list[dict]:
    """git-tree entries: blobs and the directories above them, one level or all."""
    entries, directories = [], {}
    for path, content in files.items():
        parts = path.split("/")
        for depth in range(1, len(parts)):
            directory = "/".join(parts[:depth])
            directories.setdefault(directory, {})["/".join(parts[depth:])] = content
        entries.append({"path": path, "mode": "100644", "type": "blob",
                        "sha": blob_id(content), "size": len(content),
                        "url": f"{base}/blobs/{blob_id(content)}"})
    for directory, below in directories.items():
        sha = tree_id(below)
        entries.append({"path": directory, "mode": "040000", "type": "tree", "sha": sha,
                        "url": f"{base}/trees/{sha}"})
    if not recursive:
        entries = [entry for entry in entries if "/" not in entry["path"]]
    return sorted(entries, key=lambda entry: entry["path"])
