"""The repository half of the GitLab simulator: commits, branches and files
(PROVIDER-APIS.md §2d, §2e, §2j).

Quirks kept from the real service: `create` on an existing file, `update` or `delete` of a
missing one and a stale last_commit_id are 400 with Gitaly's messages; the commits API has
no condition on the branch's tip (a commit lands on whatever the tip is); a missing ref is
"404 Commit Not Found", a missing file "404 File Not Found", a missing branch on the
branches API "404 Branch Not Found" [U].
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote

from tests.fakes.git import GitRepo, blob_id
from tests.fakes.simulator import Reply, SimRequest, handles

if TYPE_CHECKING:
    from tests.fakes.gitlab import Project

DEVELOPER = 30  # the access level that may commit
CHANGED = "You are attempting to update a file that has changed since you started editing it."


def message(status: int, text: object) -> Reply:
    """An error in GitLab's shape: {"message": ...}."""
    return Reply(status, {"message": text})


class GitLabRepository:
    """The handlers of GitLabSimulator for a project's git (uses its projects and JSON)."""

    @handles("create_commit")
    def create_commit(self, request: SimRequest, id: str) -> Reply:
        self._run_before("create_commit")
        token, body = request.principal, request.json
        project = self._project(token, id, role=DEVELOPER)
        git, branch = project.git, body["branch"]
        start, start_sha = body.get("start_branch"), body.get("start_sha")
        with git.lock:
            tip = git.tip(branch)
            if tip is not None and ((start and start != branch) or start_sha):
                raise message(400, f"A branch called '{branch}' already exists. Switch to "
                                   "that branch in order to make changes")
            base = tip if tip is not None else (git.tip(start) if start else None)
            if tip is None and start_sha:  # a new branch at that commit
                base = git.commits.get(start_sha)
                if base is None:
                    raise message(400, "You can only create or edit files when you are on "
                                       "a branch")
            if base is None and (start or not git.empty):
                # Only an empty project takes a first commit without a start branch [U].
                raise message(400, "You can only create or edit files when you are on a "
                                   "branch")
            files = dict(base.files) if base else {}
            for action in body["actions"]:
                path = action["file_path"]
                if action["action"] == "create" and path in files:
                    raise message(400, "A file with this name already exists")
                if action["action"] == "update" and path not in files:
                    raise message(400, "A file with this name doesn't exist")
                if action["action"] == "delete" and path not in files:
                    raise message(400, "A file with this name doesn't exist")
                last = action.get("last_commit_id")
                if last and last != last_commit(git, base.sha, path):
                    raise message(400, CHANGED)
                if action["action"] == "delete":
                    del files[path]
                    continue
                content = action["content"]
                files[path] = (base64.b64decode(content) if action.get("encoding") == "base64"
                               else content.encode())
            author = (body.get("author_name"), body.get("author_email"))
            commit = git.make_commit(files, (base.sha,) if base else (),
                                     body["commit_message"],
                                     *(author if all(author) else self._author(token)))
            git.move_branch(branch, commit.sha, tip.sha if tip else None)
        return Reply(201, self._commit_json(project, commit.sha, len(body["actions"])),
                     headers=self._headers())

    @handles("get_branch")
    def get_branch(self, request: SimRequest, id: str, branch: str) -> Reply:
        project = self._project(request.principal, id)
        git, name = project.git, unquote(branch)
        if name not in git.branches:
            raise message(404, "404 Branch Not Found")
        full = self._project_json(project)["path_with_namespace"]
        commit = self._commit_json(project, git.branches[name], 0)
        return Reply(200, {"name": name, "merged": False, "protected": name == git.default_branch,
                           "default": name == git.default_branch,
                           "developers_can_push": False, "developers_can_merge": False,
                           "can_push": True, "web_url": f"{self.url}/{full}/-/tree/{name}",
                           "commit": {key: commit[key] for key in (
                               "id", "short_id", "created_at", "parent_ids", "title",
                               "message", "author_name", "author_email", "authored_date",
                               "committer_name", "committer_email", "committed_date",
                               "trailers", "extended_trailers", "web_url")}},
                     headers=self._headers())

    @handles("get_file")
    def get_file(self, request: SimRequest, id: str, file_path: str) -> Reply:
        project = self._project(request.principal, id)
        git, path, ref = project.git, unquote(file_path), request.query["ref"]
        tip = self._ref(git, ref)
        if path not in tip.files:
            raise message(404, "404 File Not Found")
        content = tip.files[path]
        return Reply(200, {"file_name": path.rsplit("/", 1)[-1], "file_path": path,
                           "size": len(content), "encoding": "base64",
                           "content": base64.b64encode(content).decode(),
                           "content_sha256": hashlib.sha256(content).hexdigest(), "ref": ref,
                           "blob_id": blob_id(content), "commit_id": tip.sha,
                           "last_commit_id": last_commit(git, tip.sha, path),
                           "execute_filemode": False}, headers=self._headers())

    @handles("get_file_raw")
    def get_file_raw(self, request: SimRequest, id: str, file_path: str) -> Reply:
        project = self._project(request.principal, id)
        tip = self._ref(project.git, request.query.get("ref") or "HEAD")
        path = unquote(file_path)
        if path not in tip.files:
            raise message(404, "404 File Not Found")
        return Reply(200, raw=tip.files[path], headers=self._headers(),
                     content_type="text/plain; charset=utf-8")

    # --- helpers ----------------------------------------------------------------------

    def _ref(self, git: GitRepo, ref: str):
        """The commit a branch name, HEAD (the default branch) or a sha names."""
        branch = git.default_branch if ref == "HEAD" else ref
        tip = git.tip(branch) if branch else None
        tip = tip or git.commits.get(ref)
        if tip is None:
            raise message(404, "404 Commit Not Found")
        return tip

    def _commit_json(self, project: Project, sha: str, changes: int) -> dict:
        commit = project.git.commits[sha]
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime(commit.timestamp))
        full = self._project_json(project)["path_with_namespace"]
        return {"id": sha, "short_id": sha[:8], "title": commit.message.splitlines()[0],
                "message": commit.message, "parent_ids": list(commit.parents),
                "author_name": commit.author_name, "author_email": commit.author_email,
                "authored_date": stamp, "committer_name": commit.author_name,
                "committer_email": commit.author_email, "committed_date": stamp,
                "created_at": stamp, "web_url": f"{self.url}/{full}/-/commit/{sha}",
                "stats": {"additions": changes, "deletions": 0, "total": changes},
                "project_id": project.id, "trailers": {},
                "extended_trailers": {}}


def last_commit(git: GitRepo, sha: str, path: str) -> str | None:
    """The newest commit from sha back that changed path (GitLab's last_commit_id)."""
    while sha:
        commit = git.commits[sha]
        parent = git.commits[commit.parents[0]] if commit.parents else None
        if parent is None or parent.files.get(path) != commit.files.get(path):
            return sha
        sha = parent.sha
    return None
