"""GitHub's commit_files, through the Git Data API: refs, commits, trees and blobs."""

from __future__ import annotations

import base64
from collections.abc import Mapping

from webapp.providers.base import (
    Author,
    CommitResult,
    Conflict,
    NotFound,
    ProviderError,
    Repository,
    UnexpectedResponse,
)
from webapp.providers.http import path_segments, segment
from webapp.providers.state import BranchState, FileState, blob_id


class GitHubCommits:
    """commit_files of GitHubProvider (uses its http seam)."""

    def commit_files(self, repo: Repository, branch: str, files: Mapping[str, bytes | None],
                     message: str, author: Author | None = None,
                     known: BranchState | None = None,
                     base_branch: str | None = None) -> CommitResult:
        """One commit of files on branch through the Git Data API; none if nothing changes.

        A file whose content is None is deleted; a missing branch starts from base_branch
        (default: the default branch) and is created by the commit.

        While the tip read (the branch's, or the base's for a new branch) is still
        known.commit: write a tree on known.tree with only the changed files, write the
        commit, move (or create) the branch: four calls on an existing branch, one when
        nothing changed. Otherwise the careful path, five calls whatever the history: read
        the branch, read its commit, write the tree with every file, write the commit, move
        the branch. The branch only ever moves fast-forward from the tip just read, and a
        new one is only created where none exists, so a concurrent commit is never
        overwritten: Conflict instead.
        """
        files = dict(files)
        tip, new_branch = self._branch_tip(repo, branch, base_branch)
        if known is not None and known.tree and tip == known.commit:
            result = self._commit_on_known(repo, branch, files, message, author, known,
                                           new_branch)
            if result is not None:
                return result
            tip, new_branch = self._branch_tip(repo, branch, base_branch)  # start again
        return self._commit_carefully(repo, branch, files, message, author, tip, new_branch)

    def _commit_on_known(self, repo: Repository, branch: str, files: dict[str, bytes | None],
                         message: str, author: Author | None, known: BranchState,
                         new_branch: bool) -> CommitResult | None:
        """The commit on the known tip, or None when the careful path must decide."""
        changes = known.changes(files)
        if changes is None:  # deletes a path the state does not record
            return None
        written, deleted = changes
        if not written and not deleted:
            if new_branch:  # a new branch still needs its commit: the careful path makes it
                return None
            return CommitResult(known.commit, False, _commit_url(repo, known.commit), known)
        try:
            tree = self._write_tree(repo, known.tree, {**written, **dict.fromkeys(deleted)})
            sha = self._write_commit(repo, tree, known.commit, message, author)
            self._move_branch(repo, branch, sha, create=new_branch)
        except Conflict:
            return None  # someone committed since the branch was read: read it again
        except UnexpectedResponse as error:
            # 422: the known tree or commit is not in this repository, or the new branch
            # was created meanwhile ("Reference already exists")
            if error.status != 422:
                raise
            return None
        state = known.after(sha, {path: FileState(blob_id(content))
                                  for path, content in written.items()}, deleted, tree)
        return CommitResult(sha, True, _commit_url(repo, sha), state)

    def _commit_carefully(self, repo: Repository, branch: str, files: dict[str, bytes | None],
                          message: str, author: Author | None, tip: str | None,
                          new_branch: bool) -> CommitResult:
        """Every file written on top of the tip just read."""
        if tip is None:  # an empty repository (not made by us): start it with one file
            files = {path: content for path, content in files.items() if content is not None}
            if not files:
                return CommitResult(None, False)
            first = sorted(files)[0]
            content = files.pop(first)
            tip = self._put_first_file(repo, branch, first, content, message, author)
            new_branch = False
            if not files:
                state = BranchState(tip, None, {first: FileState(blob_id(content))})
                return CommitResult(tip, True, _commit_url(repo, tip), state)
        base_tree = self._commit_tree(repo, tip)
        tree = self._write_tree(repo, base_tree, files)
        state_files = {path: FileState(blob_id(content)) for path, content in files.items()
                       if content is not None}
        if tree == base_tree and not new_branch:
            return CommitResult(tip, False, _commit_url(repo, tip),
                                BranchState(tip, tree, state_files))
        sha = self._write_commit(repo, tree, tip, message, author)
        self._move_branch(repo, branch, sha, create=new_branch)
        return CommitResult(sha, True, _commit_url(repo, sha), BranchState(sha, tree, state_files))

    def _branch_tip(self, repo: Repository, branch: str,
                    base_branch: str | None = None) -> tuple[str | None, bool]:
        """(tip sha to build on, whether branch must be created): the branch's, else the
        base's (default: the default branch); (None, True) for an empty repository."""
        # Reference: https://docs.github.com/en/rest/git/refs#get-a-reference
        for candidate in dict.fromkeys([branch, base_branch or repo.default_branch or branch]):
            what = f"read the branch {candidate} of {repo.id}"
            try:
                response = self.http.request(
                    "GET", f"/repos/{full_path(repo)}/git/ref/heads/{path_segments(candidate)}",
                    what=what)
            except NotFound:
                continue
            except Conflict as error:
                if "empty" in error.provider_message.lower():
                    return None, True
                raise
            return self.http.json(response, what)["object"]["sha"], candidate != branch
        start = base_branch or "default branch"
        raise NotFound(f"{repo.id} has no branch {branch} and no {start} to start it from.",
                       hint="Create the branch, or choose an existing one.")

    def _commit_tree(self, repo: Repository, sha: str) -> str:
        # Reference: https://docs.github.com/en/rest/git/commits#get-a-commit-object
        what = f"read the commit {sha[:7]} of {repo.id}"
        response = self.http.request("GET", f"/repos/{full_path(repo)}/git/commits/{sha}",
                                     what=what)
        return self.http.json(response, what)["tree"]["sha"]

    def _write_tree(self, repo: Repository, base_tree: str,
                    files: dict[str, bytes | None]) -> str:
        """A tree of base_tree with files replaced; text goes inline, binary as blobs."""
        entries = []
        for path, content in sorted(files.items()):
            entry = {"path": path, "mode": "100644", "type": "blob"}
            if content is None:
                entry["sha"] = None  # a null sha deletes the path
                entries.append(entry)
                continue
            try:
                entry["content"] = content.decode("utf-8")
            except UnicodeDecodeError:
                entry["sha"] = self._write_blob(repo, content)
            entries.append(entry)
        # Reference: https://docs.github.com/en/rest/git/trees#create-a-tree
        what = f"write the files to {repo.id}"
        response = self.http.request("POST", f"/repos/{full_path(repo)}/git/trees", ok=(201,),
                                     json={"base_tree": base_tree, "tree": entries}, what=what)
        return self.http.json(response, what)["sha"]

    def _write_blob(self, repo: Repository, content: bytes) -> str:
        # Reference: https://docs.github.com/en/rest/git/blobs#create-a-blob
        what = f"upload a file to {repo.id}"
        response = self.http.request(
            "POST", f"/repos/{full_path(repo)}/git/blobs", ok=(201,), what=what,
            json={"content": base64.b64encode(content).decode(), "encoding": "base64"})
        return self.http.json(response, what)["sha"]

    def _write_commit(self, repo: Repository, tree: str, parent: str, message: str,
                      author: Author | None) -> str:
        # Reference: https://docs.github.com/en/rest/git/commits#create-a-commit
        body = {"message": message, "tree": tree, "parents": [parent]}
        if author:
            body["author"] = {"name": author.name, "email": author.email}
        what = f"create a commit in {repo.id}"
        response = self.http.request("POST", f"/repos/{full_path(repo)}/git/commits",
                                     json=body, ok=(201,), what=what)
        return self.http.json(response, what)["sha"]

    def _move_branch(self, repo: Repository, branch: str, sha: str, *, create: bool) -> None:
        what = f"move the branch {branch} of {repo.id}"
        if create:
            # Reference: https://docs.github.com/en/rest/git/refs#create-a-reference
            self.http.request("POST", f"/repos/{full_path(repo)}/git/refs", ok=(201,),
                              what=what, json={"ref": f"refs/heads/{branch}", "sha": sha})
            return
        # Reference: https://docs.github.com/en/rest/git/refs#update-a-reference
        try:
            self.http.request("PATCH",
                              f"/repos/{full_path(repo)}/git/refs/heads/{path_segments(branch)}",
                              json={"sha": sha, "force": False}, what=what)
        except ProviderError as error:
            if error.status == 422:  # "Update is not a fast forward": someone committed first
                raise Conflict(f"The branch {branch} of {repo.id} moved while committing.",
                               status=422, provider_message=error.provider_message) from None
            raise

    def _put_first_file(self, repo: Repository, branch: str, path: str, content: bytes,
                        message: str, author: Author | None) -> str:
        """The first commit of an empty repository, through the Contents API."""
        # Reference: https://docs.github.com/en/rest/repos/contents#create-or-update-file-contents
        body = {"message": message, "content": base64.b64encode(content).decode(),
                "branch": branch}
        if author:
            body["author"] = {"name": author.name, "email": author.email}
        what = f"write the first file to the empty repository {repo.id}"
        response = self.http.request(
            "PUT", f"/repos/{full_path(repo)}/contents/{path_segments(path)}", json=body,
            ok=(201,), what=what)
        return self.http.json(response, what)["commit"]["sha"]


def full_path(repo: Repository) -> str:
    """owner/name of the repository, each part percent-encoded."""
    owner, _, name = repo.id.partition("/")
    return f"{segment(owner)}/{segment(name)}"


def _commit_url(repo: Repository, sha: str) -> str:
    return f"{repo.web_url}/commit/{sha}"
