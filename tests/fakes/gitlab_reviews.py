"""The review half of the GitLab simulator: merge requests, branch deletion and the tree
(PROVIDER-APIS.md §2j).

Quirks kept from the real service: states are opened, closed, merged (and the transitional
locked); merge_commit_sha is null and squash_commit_sha empty until merged; a second open
request for the same source and target branches is 409 "Another open merge request
already exists for this source branch: !<iid>" [O] (sent as a list: [U]); the tree is
paginated by keyset only, the next page named in the Link header [U], and a missing path
is 404 (since 17.7); a commit SHA is accepted as ref [U]; deleting the default branch is
refused (400 [U]).
"""

from __future__ import annotations

import hashlib
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlencode

from tests.fakes.git import blob_id, tree_id
from tests.fakes.gitlab_repository import DEVELOPER, message
from tests.fakes.reviews import CLOSED, MERGED, OPEN, Review
from tests.fakes.simulator import Reply, SimRequest, handles

if TYPE_CHECKING:
    from tests.fakes.gitlab import Project

STATES = {OPEN: "opened", MERGED: "merged", CLOSED: "closed"}


def _stamp(when: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(when)) if when else None


class GitLabReviews:
    """The handlers of GitLabSimulator for merge requests, branches and the tree."""

    @handles("create_merge_request")
    def create_merge_request(self, request: SimRequest, id: str) -> Reply:
        project = self._project(request.principal, id, role=DEVELOPER)
        body, git = request.json, project.git
        source, target = body["source_branch"], body["target_branch"]
        if source == target:
            raise message(422, ["You can't use same project/branch for source and target"])
        for name in (source, target):
            if name not in git.branches:
                raise message(400, {"source_branch" if name == source else "target_branch":
                                    ["does not exist"]})
        existing = git.reviews.find(OPEN, source, target)
        if existing:
            raise message(409, ["Another open merge request already exists for this source "
                                f"branch: !{existing[0].number}"])
        review = git.reviews.open(source, target, body["title"], body.get("description", ""),
                                  request.principal.username)
        return Reply(201, self._merge_request_json(project, review), headers=self._headers())

    @handles("list_merge_requests")
    def list_merge_requests(self, request: SimRequest, id: str) -> Reply:
        project = self._project(request.principal, id)
        state = request.query.get("state", "all")
        found = [self._merge_request_json(project, review)
                 for review in reversed(project.git.reviews.find())  # newest first
                 if state in ("all", STATES[review.state])
                 and request.query.get("source_branch") in (None, review.source)
                 and request.query.get("target_branch") in (None, review.target)]
        return Reply(200, found, headers=self._headers())

    @handles("get_merge_request")
    def get_merge_request(self, request: SimRequest, id: str, merge_request_iid: str) -> Reply:
        project = self._project(request.principal, id)
        return Reply(200, self._merge_request_json(project, self._review(project,
                                                                         merge_request_iid)),
                     headers=self._headers())

    @handles("update_merge_request")
    def update_merge_request(self, request: SimRequest, id: str,
                             merge_request_iid: str) -> Reply:
        project = self._project(request.principal, id, role=DEVELOPER)
        review = self._review(project, merge_request_iid)
        if request.json["state_event"] == "close":
            project.git.reviews.close(review.number)
        return Reply(200, self._merge_request_json(project, review), headers=self._headers())

    @handles("delete_branch")
    def delete_branch(self, request: SimRequest, id: str, branch: str) -> Reply:
        project = self._project(request.principal, id, role=DEVELOPER)
        git, name = project.git, unquote(branch)
        with git.lock:
            if name not in git.branches:
                raise message(404, "404 Branch Not Found")
            if name == git.default_branch:
                raise message(400, "The default branch of a project cannot be deleted.")
            del git.branches[name]
        return Reply(204, headers=self._headers())

    @handles("list_tree")
    def list_tree(self, request: SimRequest, id: str) -> Reply:
        project = self._project(request.principal, id)
        git, query = project.git, request.query
        ref = query.get("ref") or git.default_branch or ""
        commit = git.tip(ref) or git.commits.get(ref)
        directory = query.get("path", "").strip("/")
        entries = _tree(commit.files if commit else {}, directory,
                        query.get("recursive") == "true")
        if commit is None or (directory and not entries):
            raise message(404, "404 Tree Not Found")
        per_page = min(100, int(query.get("per_page") or 20))
        token = query.get("page_token")
        start = next((n + 1 for n, entry in enumerate(entries) if _token(entry) == token), 0) \
            if token else 0
        page = entries[start:start + per_page]
        headers = self._headers()
        if start + per_page < len(entries):
            following = {key: value for key, value in query.items() if key != "page_token"}
            following["page_token"] = _token(page[-1])
            headers["Link"] = (f'<{self.api_url}/projects/{project.id}/repository/tree?'
                               f'{urlencode(following)}>; rel="next"')
        return Reply(200, page, headers=headers)

    # --- helpers ----------------------------------------------------------------------

    def _review(self, project: Project, iid: str) -> Review:
        review = project.git.reviews.get(int(iid)) if iid.isdigit() else None
        if review is None:
            raise message(404, "404 Not found")
        return review

    def _merge_request_json(self, project: Project, review: Review) -> dict:
        full = self._project_json(project)["path_with_namespace"]
        merged = review.state == MERGED
        return {"id": 90000 + project.id * 100 + review.number, "iid": review.number,
                "project_id": project.id, "title": review.title,
                "description": review.description, "state": STATES[review.state],
                "source_branch": review.source, "target_branch": review.target,
                "source_project_id": project.id, "target_project_id": project.id,
                "web_url": f"{self.url}/{full}/-/merge_requests/{review.number}",
                "sha": project.git.reviews.head(review),
                "merge_commit_sha": review.merge_commit if merged else None,
                "squash_commit_sha": None, "squash": False, "draft": False,
                "detailed_merge_status": "mergeable" if review.state == OPEN else "not_open",
                "created_at": _stamp(review.created_at), "updated_at": _stamp(time.time()),
                "merged_at": _stamp(review.closed_at) if merged else None,
                "closed_at": _stamp(review.closed_at) if review.state == CLOSED else None}


def _tree(files: dict[str, bytes], directory: str, recursive: bool) -> list[dict]:
    """RepositoryTreeEntry items under directory: trees first, then blobs, as GitLab lists."""
    prefix = f"{directory}/" if directory else ""
    trees, blobs = {}, []
    for path, content in files.items():
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix):].split("/")
        for depth in range(1, len(parts) if recursive else min(2, len(parts))):
            below = prefix + "/".join(parts[:depth])
            trees[below] = tree_id({name[len(below) + 1:]: data for name, data in files.items()
                                    if name.startswith(below + "/")})
        if recursive or len(parts) == 1:
            blobs.append({"id": blob_id(content), "name": parts[-1], "type": "blob",
                          "path": path, "mode": "100644"})
    listed = [{"id": sha, "name": path.rsplit("/", 1)[-1], "type": "tree", "path": path,
               "mode": "040000"} for path, sha in sorted(trees.items())]
    return listed + sorted(blobs, key=lambda entry: entry["path"])


def _token(entry: dict) -> str:
    """An opaque keyset token for an entry (the real one is a 'tree record ID')."""
    return hashlib.sha1(entry["path"].encode(), usedforsecurity=False).hexdigest()
