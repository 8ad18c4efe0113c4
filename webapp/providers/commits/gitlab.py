"""GitLab's commit_files, through the commits API with create, update and delete actions."""

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

# What GitLab (Gitaly) says when the files changed between our reads and our commit.
CONCURRENT_CHANGE = ("has changed since you started editing it", "already exists",
                     "doesn't exist")

# path -> (content, last commit that changed it, the commit it was read at)
Found = tuple[bytes, str, str]


class GitLabCommits:
    """commit_files of GitLabProvider (uses its http seam)."""

    def commit_files(self, repo: Repository, branch: str, files: Mapping[str, bytes | None],
                     message: str, author: Author | None = None,
                     known: BranchState | None = None,
                     base_branch: str | None = None) -> CommitResult:
        """One commit of the changed files on branch (None deletes a file); none if unchanged.

        A missing branch starts from base_branch (default: the default branch). GitLab's
        commits API cannot make a commit conditional on the branch's tip, so while the tip
        (the branch's, or the base's for a new branch) is still known.commit a single
        commit carries the changed files, each update and delete naming the file's known
        last commit: two calls (three for a new branch, which starts at start_sha = that
        commit), one when nothing changed. Otherwise the careful path: each path is read
        first (create, update or delete; changed or not), then one commit carries every
        action: N + 1 calls whatever the history. Either way a file someone else changed
        meanwhile is a Conflict, never an overwrite.
        """
        if known is not None:
            result = self._commit_on_known(repo, branch, files, message, author, known,
                                           base_branch)
            if result is not None:
                return result
        return self._commit_carefully(repo, branch, files, message, author, base_branch)

    def _commit_on_known(self, repo: Repository, branch: str,
                         files: Mapping[str, bytes | None], message: str,
                         author: Author | None, known: BranchState,
                         base_branch: str | None) -> CommitResult | None:
        """The commit on the known tip, or None when the careful path must decide."""
        changes = known.changes(files)
        if changes is None:
            return None
        written, deleted = changes
        if any(known.files[path].commit is None
               for path in deleted | (written.keys() & known.files.keys())):
            return None  # an update or delete must name the file's last commit
        start_sha = None
        tip = self._branch_commit(repo, branch)
        if tip is None and base_branch and base_branch != branch:
            tip = start_sha = self._branch_commit(repo, base_branch)  # a new branch
        if tip != known.commit:
            return None
        if not written and not deleted:
            if start_sha:  # a new branch needs a commit: the careful path writes one
                return None
            return CommitResult(known.commit, False, _commit_url(repo, known.commit), known)
        actions = [{"action": "delete", "file_path": path,
                    "last_commit_id": known.files[path].commit} for path in sorted(deleted)]
        for path, content in sorted(written.items()):
            recorded = known.files.get(path)
            # A path new to the state is created: if it exists after all, GitLab refuses
            # (400) and the careful path decides.
            actions.append({"action": "update", "file_path": path, **_encoded(content),
                            "last_commit_id": recorded.commit} if recorded else
                           {"action": "create", "file_path": path, **_encoded(content)})
        try:
            commit = self._post_commit(repo, branch, actions, message, author, None, start_sha)
        except Conflict:
            return None
        sha = commit["id"]
        state = None  # someone committed between our read and our commit: unknowable
        if commit["parent_ids"] == [known.commit]:
            state = known.after(sha, {path: FileState(blob_id(content), sha)
                                      for path, content in written.items()}, deleted)
        return CommitResult(sha, True, commit.get("web_url"), state)

    def _commit_carefully(self, repo: Repository, branch: str,
                          files: Mapping[str, bytes | None], message: str,
                          author: Author | None, base_branch: str | None) -> CommitResult:
        """Every path read at the branch, then one commit of what differs."""
        existing, tip, start_branch = self._probe(repo, branch, sorted(files), base_branch)
        actions, kept = [], {}
        for path in sorted(files):
            content, found = files[path], existing.get(path)
            if content is None:
                if found is not None:
                    actions.append({"action": "delete", "file_path": path,
                                    "last_commit_id": found[1]})
            elif found is None:
                actions.append({"action": "create", "file_path": path, **_encoded(content)})
            elif found[0] != content or start_branch:  # a new branch: write every file
                actions.append({"action": "update", "file_path": path, **_encoded(content),
                                "last_commit_id": found[1]})
            else:
                kept[path] = found
        kept_states = {path: FileState(blob_id(found[0]), found[1])
                       for path, found in kept.items()}
        if not actions:
            # Known only if every file was read at one commit, the tip.
            read_at = {found[2] for found in kept.values()}
            state = BranchState(tip, None, kept_states) if tip and read_at == {tip} else None
            return CommitResult(tip, False, _commit_url(repo, tip) if tip else None, state)
        commit = self._post_commit(repo, branch, actions, message, author, start_branch)
        sha, parents = commit["id"], commit["parent_ids"]
        state = None
        # Files left alone are known only if they were read at the new commit's parent.
        if all(parents == [found[2]] for found in kept.values()):
            state = BranchState(sha, None, {**kept_states, **{
                path: FileState(blob_id(content), sha) for path, content in files.items()
                if content is not None and path not in kept}})
        return CommitResult(sha, True, commit.get("web_url"), state)

    def _post_commit(self, repo: Repository, branch: str, actions: list[dict], message: str,
                     author: Author | None, start_branch: str | None,
                     start_sha: str | None = None) -> dict:
        """POST repository/commits; a file changed by someone else meanwhile is a Conflict."""
        body = {"branch": branch, "commit_message": message, "actions": actions}
        if start_branch:
            body["start_branch"] = start_branch
        if start_sha:  # a new branch, started at the very commit the state describes
            body["start_sha"] = start_sha
        if author:
            body.update(author_name=author.name, author_email=author.email)
        # Reference: https://docs.gitlab.com/api/commits/#create-a-commit-with-multiple-files-and-actions
        what = f"commit to {branch} of {repo.name}"
        try:
            response = self.http.request("POST", f"/projects/{segment(repo.id)}/repository/commits",
                                         json=body, ok=(201,), what=what)
        except UnexpectedResponse as error:
            if error.status == 400 and any(s in error.provider_message
                                           for s in CONCURRENT_CHANGE):
                raise Conflict(f"Someone changed {branch} of {repo.name} while committing; "
                               "nothing was overwritten.", status=400,
                               provider_message=error.provider_message,
                               hint="Try again: the files are read anew.") from None
            raise
        return self.http.json(response, what)

    def _branch_commit(self, repo: Repository, branch: str) -> str | None:
        """The commit at the tip of branch; None if there is no such branch."""
        # Reference: https://docs.gitlab.com/api/branches/#get-single-repository-branch
        what = f"read the branch {branch} of {repo.name}"
        try:
            response = self.http.request(
                "GET", f"/projects/{segment(repo.id)}/repository/branches/{segment(branch)}",
                what=what)
        except NotFound:
            return None
        return self.http.json(response, what)["commit"]["id"]

    def _probe(self, repo: Repository, branch: str, paths: list[str],
               base_branch: str | None = None
               ) -> tuple[dict[str, Found], str | None, str | None]:
        """(path -> Found, tip, start branch) for the files at branch.

        A missing branch is started from base_branch (default: the default branch); an
        empty project has no branch at all, so every file is created.
        """
        refs = list(dict.fromkeys([branch, base_branch or repo.default_branch or branch]))
        existing: dict[str, Found] = {}
        tip = None
        for path in paths:
            while refs:
                try:
                    found = self._read_file_meta(repo, refs[0], path)
                    break
                except _NoSuchRef:
                    refs.pop(0)
            else:
                found = None
            if found is not None:
                existing[path] = (base64.b64decode(found["content"]), found["last_commit_id"],
                                  found["commit_id"])
                tip = found["commit_id"]
        if not refs and base_branch and base_branch != branch:
            # Neither exists: never start an unrelated branch from nothing.
            raise NotFound(f"{repo.name} has no branch {branch} and no {base_branch} to "
                           "start it from.", hint="Choose an existing branch.")
        start_branch = refs[0] if refs and refs[0] != branch else None
        return existing, tip, start_branch

    def _read_file_meta(self, repo: Repository, ref: str, path: str) -> dict | None:
        """The file's JSON at ref; None if the file is missing; _NoSuchRef if ref is."""
        # Reference: https://docs.gitlab.com/api/repository_files/#get-file-from-repository
        what = f"read {path} on {ref} of {repo.name}"
        try:
            response = self.http.request(
                "GET", f"/projects/{segment(repo.id)}/repository/files/{segment(path)}",
                params={"ref": ref}, what=what)
        except NotFound as error:
            # "404 Commit Not Found": no such branch; "404 File Not Found": no such file.
            if "Commit Not Found" in error.provider_message:
                raise _NoSuchRef(ref) from None
            return None
        return self.http.json(response, what)


class _NoSuchRef(Exception):
    """The branch (or any ref) does not exist in the project."""


def _encoded(content: bytes) -> dict[str, str]:
    """The action's content: text where it is UTF-8, base64 otherwise."""
    try:
        return {"content": content.decode("utf-8")}
    except UnicodeDecodeError:
        return {"content": base64.b64encode(content).decode(), "encoding": "base64"}


def _commit_url(repo: Repository, sha: str) -> str:
    return f"{repo.web_url}/-/commit/{sha}"
