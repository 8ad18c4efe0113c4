"""Bitbucket Cloud's commit_files, through the multipart POST /src."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from urllib.parse import quote

from webapp.providers.base import (
    Author,
    CommitResult,
    Conflict,
    NotFound,
    Repository,
)
from webapp.providers.http import segment
from webapp.providers.state import BranchState, FileState, blob_id

log = logging.getLogger(__name__)


class BitbucketCloudCommits:
    """commit_files of BitbucketCloudProvider (uses its http seam and label)."""

    def commit_files(self, repo: Repository, branch: str, files: Mapping[str, bytes | None],
                     message: str, author: Author | None = None,
                     known: BranchState | None = None,
                     base_branch: str | None = None) -> CommitResult:
        """One commit through POST /src (None deletes a file); none if nothing changes.

        `parents` makes the upload conditional on the branch's tip (409 otherwise), so
        while the tip is still known.commit the changed files go up at once, then the
        branch is read for the new commit's id (two calls; one read of the branch when
        nothing changed). Otherwise the careful path: read the branch, read each file at
        its tip, upload, read the branch again: the upload answers 201 with no body and
        documents no Location header (§4d). A missing branch starts from base_branch's tip
        (default: the main branch) with every file: four calls. With base_branch the
        branch is read before an upload on known.commit, which would otherwise create a
        missing branch there unverified (`parents` on a new branch, §4j [P]).
        """
        files = {path.lstrip("/"): content for path, content in files.items()}
        tip, read = None, False
        if known is not None:
            changes = known.changes(files)
            if base_branch and base_branch != branch and changes not in (None, ({}, set())):
                tip, _ = self._tip(repo, branch)
                read = True
                if tip != known.commit:  # a new branch (or a moved one): the careful path
                    changes = None
            if changes == ({}, set()):
                tip, _ = self._tip(repo, branch)
                read = True
                if tip == known.commit:
                    return CommitResult(tip, False, _commit_url(repo, tip), known)
            elif changes is not None:
                result = self._upload_on_known(repo, branch, message, author, known, *changes)
                if result is not None:
                    return result
                read = False  # it moved: read it again
        if not read:
            tip, _ = self._tip(repo, branch)
        return self._commit_carefully(repo, branch, files, message, author, tip, base_branch)

    def _upload_on_known(self, repo: Repository, branch: str, message: str,
                         author: Author | None, known: BranchState, written: dict[str, bytes],
                         deleted: set[str]) -> CommitResult | None:
        """The commit on the known tip, or None when the careful path must decide."""
        try:
            self._upload(repo, branch, known.commit, {**written, **dict.fromkeys(deleted)},
                         message, author)
        except (Conflict, NotFound):  # the tip moved, or the known commit is not here
            return None
        states = {path: FileState(blob_id(content)) for path, content in written.items()}
        return self._result_after_upload(repo, branch, known.commit,
                                         lambda sha: known.after(sha, states, deleted))

    def _commit_carefully(self, repo: Repository, branch: str, files: dict[str, bytes | None],
                          message: str, author: Author | None, tip: str | None,
                          base_branch: str | None = None) -> CommitResult:
        """Each file read at the tip just read; only those that differ go up."""
        parent = tip
        if tip is None and base_branch and base_branch != branch:  # a new branch off base
            parent, _ = self._tip(repo, base_branch)
            if parent is None:
                raise NotFound(f"{repo.id} has no branch {branch} and no {base_branch} to "
                               "start it from.", hint="Choose an existing branch.")
        if tip is None:  # an empty repository or a new branch: send everything
            changed = files if parent or any(c is not None for c in files.values()) else {}
        else:  # read at the SHA, not the branch name: one consistent snapshot
            changed = {path: content for path, content in files.items()
                       if self._read_at(repo, tip, path) != content}
        state_files = {path: FileState(blob_id(content)) for path, content in files.items()
                       if content is not None}
        if not changed:
            return CommitResult(tip, False, tip and _commit_url(repo, tip),
                                BranchState(tip, None, state_files) if tip else None)
        self._upload(repo, branch, parent, changed, message, author)
        return self._result_after_upload(repo, branch, parent,
                                         lambda sha: BranchState(sha, None, state_files))

    def _result_after_upload(self, repo: Repository, branch: str, parent: str | None,
                             state: Callable[[str], BranchState]) -> CommitResult:
        """Read the branch for the new commit's id: its tip, if that tip's parent is ours."""
        sha, parents = self._tip(repo, branch)
        if sha is None or (parent is not None and parents[:1] != [parent]):
            log.warning("%s: committed to %s of %s, but the branch moved again at once",
                        self.label, branch, repo.id)
            return CommitResult(None, True)
        return CommitResult(sha, True, _commit_url(repo, sha), state(sha))

    def _tip(self, repo: Repository, branch: str) -> tuple[str | None, list[str]]:
        """(tip SHA, its parents); (None, []) for a new branch or an empty repository."""
        what = f"read the branch {branch} of {repo.id}"
        try:
            # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-refs/#api-repositories-workspace-repo-slug-refs-branches-name-get
            response = self.http.request(
                "GET", f"{repo_path(repo.id)}/refs/branches/{segment(branch)}", what=what)
        except NotFound:
            return None, []
        target = self.http.json(response, what)["target"]
        return target["hash"], [parent["hash"] for parent in target.get("parents", [])]

    def _read_at(self, repo: Repository, commit: str, path: str) -> bytes | None:
        """The raw content of path at a commit SHA or branch; None if there is no such file."""
        try:
            # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-source/#api-repositories-workspace-repo-slug-src-commit-path-get
            response = self.http.request(
                "GET",
                f"{repo_path(repo.id)}/src/{segment(commit)}/{quote(path.lstrip('/'))}",
                what=f"read {path} at {commit[:12]} of {repo.id}")
        except NotFound:
            return None
        return response.content

    def _upload(self, repo: Repository, branch: str, parent: str | None,
                files: dict[str, bytes | None], message: str, author: Author | None) -> None:
        """POST /src: meta fields, a part per file named by its path, `files` for deletions."""
        meta = {"message": message, "branch": branch}
        if author:
            meta["author"] = f"{author.name} <{author.email}>"
        if parent:  # asserts the branch's tip: 409 rather than a commit on a moved branch
            meta["parents"] = parent
        # A leading "/" keeps a file called "message" or "branch" from reading as meta data.
        parts = [(name, (None, value)) for name, value in meta.items()]
        parts += [("files", (None, path)) for path in sorted(files) if files[path] is None]
        parts += [(f"/{path}", (path.rsplit("/", 1)[-1], content, "application/octet-stream"))
                  for path, content in sorted(files.items()) if content is not None]
        try:
            # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-source/#api-repositories-workspace-repo-slug-src-post
            self.http.request("POST", f"{repo_path(repo.id)}/src", files=parts, ok=(201,),
                              what=f"commit to {branch} of {repo.id}")
        except Conflict as error:
            raise Conflict(f"The branch {branch} of {repo.id} moved while committing; nothing "
                           "was overwritten.", status=409, provider_message=error.provider_message,
                           hint="Try again: the next attempt starts from the new tip.") from None


def repo_path(full_name: str) -> str:
    """/repositories/<workspace>/<slug> of a repository's full name, percent-encoded."""
    workspace, _, slug = full_name.partition("/")
    return f"/repositories/{segment(workspace)}/{segment(slug)}"


def _commit_url(repo: Repository, sha: str) -> str:
    return f"{repo.web_url}/commits/{sha}"
