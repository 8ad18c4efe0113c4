"""Azure DevOps' commit_files: one push whose ref update names the commit it builds on."""

from __future__ import annotations

import base64
from collections.abc import Mapping

from webapp.providers.base import (
    Author,
    CommitResult,
    Conflict,
    NotFound,
    Repository,
    UnexpectedResponse,
)
from webapp.providers.http import segment
from webapp.providers.state import BranchState, FileState, blob_id

NO_COMMIT = "0" * 40  # oldObjectId of a branch that does not exist yet


class AzureDevOpsCommits:
    """commit_files of AzureDevOpsProvider (uses its http seam, _git and _json)."""

    def commit_files(self, repo: Repository, branch: str, files: Mapping[str, bytes | None],
                     message: str, author: Author | None = None,
                     known: BranchState | None = None,
                     base_branch: str | None = None) -> CommitResult:
        """One push of files on branch (None deletes a file); none when nothing changes.

        A push names the commit it builds on (oldObjectId): a concurrent push makes it fail
        (Conflict) instead of being overwritten. So while the tip is still known.commit one
        push does it, its add, edit and delete taken from known.files (one call; one read
        of the branch when nothing changed). Otherwise the careful path, three calls on an
        existing branch whatever the history: the tip, the blob ids at the tip (add or
        edit? unchanged?), the push. A missing branch starts from base_branch (default:
        the default branch); with base_branch the branch is read first, since a push onto
        a missing branch would start it from known.commit unverified (see _verified).
        """
        files = dict(files)
        tip = None
        if known is not None:
            changes = known.changes(files)
            if base_branch and base_branch != branch and changes not in (None, ({}, set())):
                tip, verified = self._verified(repo, branch, base_branch, known)
                if not verified:
                    changes = None  # the careful path, on the tip just read
            if changes == ({}, set()):
                tip = self._branch_tip(repo, branch)
                if tip == known.commit:
                    return CommitResult(tip, False, _commit_url(repo, tip), known)
            elif changes is not None:
                result = self._push_on_known(repo, branch, message, author, known, *changes)
                if result is not None:
                    return result
                tip = None  # it moved: read it again
        return self._commit_carefully(repo, branch, files, message, author, tip, base_branch)

    def _verified(self, repo: Repository, branch: str, base_branch: str,
                  known: BranchState) -> tuple[str | None, bool]:
        """(branch's tip, whether a push on known.commit is as safe as the careful path).

        A push onto a missing branch creates it at oldObjectId (§3j [P]): right for a
        branch someone deleted after our own commit, but a new branch must start from the
        base's tip as it is now (a base someone rewound must not get back what they
        removed), so that tip is read and must be known.commit.
        """
        tip = self._branch_tip(repo, branch)
        if tip is not None:
            return tip, tip == known.commit
        return None, self._branch_tip(repo, base_branch) == known.commit

    def _push_on_known(self, repo: Repository, branch: str, message: str,
                       author: Author | None, known: BranchState, written: dict[str, bytes],
                       deleted: set[str]) -> CommitResult | None:
        """The push on the known tip, or None when the careful path must decide."""
        changes = [{"changeType": "delete", "item": {"path": item_path(path)}}
                   for path in sorted(deleted)]
        # A path new to the state is added: if it exists after all, Azure refuses (400).
        changes += [_change("edit" if path in known.files else "add", path, content)
                    for path, content in sorted(written.items())]
        try:
            sha = self._push(repo, branch, known.commit, changes, message, author)
        except Conflict:  # TF401028: someone pushed since
            return None
        except UnexpectedResponse as error:
            if error.status != 400:  # 400: a path is not as known, or the commit is unknown
                raise
            return None
        state = known.after(sha, {path: FileState(blob_id(content))
                                  for path, content in written.items()}, deleted)
        return CommitResult(sha, True, _commit_url(repo, sha), state)

    def _commit_carefully(self, repo: Repository, branch: str, files: dict[str, bytes | None],
                          message: str, author: Author | None, tip: str | None,
                          base_branch: str | None = None) -> CommitResult:
        """The blob ids at the tip decide add, edit or nothing; then one push on that tip."""
        tip, base = (tip, tip) if tip else self._tip_and_base(repo, branch, base_branch)
        existing = self._blob_ids(repo, base) if base else {}
        changes = []
        for path, content in sorted(files.items()):
            blob = existing.get(item_path(path))
            if content is None:
                if blob:
                    changes.append({"changeType": "delete",
                                    "item": {"path": item_path(path)}})
                continue
            # A new branch always gets a commit, even of identical files: that creates it.
            if blob == blob_id(content) and tip is not None:
                continue
            changes.append(_change("edit" if blob else "add", path, content))
        state_files = {path: FileState(blob_id(content)) for path, content in files.items()
                       if content is not None}
        if not changes:
            return CommitResult(tip, False, _commit_url(repo, tip) if tip else None,
                                BranchState(tip, None, state_files) if tip else None)
        sha = self._push(repo, branch, base or NO_COMMIT, changes, message, author)
        return CommitResult(sha, True, _commit_url(repo, sha),
                            BranchState(sha, None, state_files))

    def _push(self, repo: Repository, branch: str, old: str, changes: list[dict],
              message: str, author: Author | None) -> str:
        """One commit of changes, pushed onto old (the tip, or what a new branch starts
        from); the new commit's id."""
        commit: dict = {"comment": message, "changes": changes}
        if author:
            commit["author"] = {"name": author.name, "email": author.email}
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/pushes/create?view=azure-devops-rest-7.1
        what = f"push to the branch {branch} of {repo.name}"
        response = self.http.request(
            "POST", self._git(f"/repositories/{segment(repo.id)}/pushes"), ok=(201,), what=what,
            json={"refUpdates": [{"name": f"refs/heads/{branch}", "oldObjectId": old}],
                  "commits": [commit]})
        return self._json(response, what)["commits"][-1]["commitId"]

    def _tip_and_base(self, repo: Repository, branch: str,
                      base_branch: str | None = None) -> tuple[str | None, str | None]:
        """(branch's tip, commit to build on): a new branch starts from base_branch
        (default: the default branch), and an empty repository from nothing."""
        tip = self._branch_tip(repo, branch)
        if tip is not None:
            return tip, tip
        # A Repository read before the first push does not know the default branch yet.
        default = base_branch or repo.default_branch or \
            self.get_repository(repo.id).default_branch
        if default is None or default == branch:
            return None, None
        base = self._branch_tip(repo, default)
        if base is None and base_branch:  # never an unrelated branch from nothing
            raise NotFound(f"{repo.name} has no branch {branch} and no {base_branch} to "
                           "start it from.", hint="Choose an existing branch.")
        return None, base

    def _branch_tip(self, repo: Repository, branch: str) -> str | None:
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/refs/list?view=azure-devops-rest-7.1
        what = f"read the branch {branch} of {repo.name}"
        response = self.http.request("GET", self._git(f"/repositories/{segment(repo.id)}/refs"),
                                     params={"filter": f"heads/{branch}"}, what=what)
        wanted = f"refs/heads/{branch}"  # filter is a prefix: heads/main lists heads/main-v2 too
        return next((ref["objectId"] for ref in self._json(response, what)["value"]
                     if ref["name"] == wanted), None)

    def _blob_ids(self, repo: Repository, commit: str) -> dict[str, str]:
        """{"/path": blob id} of every file at commit."""
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/items/list?view=azure-devops-rest-7.1
        what = f"list the files of {repo.name} at {commit[:7]}"
        # At the commit, not the branch: the listing must match the oldObjectId we push on.
        response = self.http.request(
            "GET", self._git(f"/repositories/{segment(repo.id)}/items"), what=what,
            params={"scopePath": "/", "recursionLevel": "full",
                    "versionDescriptor.version": commit,
                    "versionDescriptor.versionType": "commit"})
        return {item["path"]: item["objectId"] for item in self._json(response, what)["value"]
                if not item.get("isFolder")}


def item_path(path: str) -> str:
    """A repository path as Azure DevOps writes it, from the root: /chart/values.yaml."""
    return "/" + path.lstrip("/")


def _change(kind: str, path: str, content: bytes) -> dict:
    try:
        text, content_type = content.decode("utf-8"), "rawText"
    except UnicodeDecodeError:
        text, content_type = base64.b64encode(content).decode(), "base64Encoded"
    return {"changeType": kind, "item": {"path": item_path(path)},
            "newContent": {"content": text, "contentType": content_type}}


def _commit_url(repo: Repository, sha: str) -> str:
    return f"{repo.web_url}/commit/{sha}"
