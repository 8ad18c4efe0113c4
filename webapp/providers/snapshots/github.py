"""GitHub's steps for current_files and list_files: the ref, the tree, the blobs (§1j)."""

from __future__ import annotations

import base64

from webapp.providers.base import Conflict, NotFound, Repository
from webapp.providers.commits.github import full_path
from webapp.providers.http import path_segments
from webapp.providers.snapshots import Snapshots


class GitHubSnapshots(Snapshots):
    """The Git Data API's reads, for GitHubProvider (uses its http seam)."""

    def _snapshot_tip(self, repo: Repository, branch: str) -> str | None:
        # Reference: https://docs.github.com/en/rest/git/refs#get-a-reference
        what = f"read the branch {branch} of {repo.id}"
        try:
            response = self.http.request(
                "GET", f"/repos/{full_path(repo)}/git/ref/heads/{path_segments(branch)}",
                what=what)
        except NotFound:
            return None
        except Conflict as error:  # 409 "Git Repository is empty."
            if "empty" in error.provider_message.lower():
                return None
            raise
        return self.http.json(response, what)["object"]["sha"]

    def _list_blobs(self, repo: Repository, tip: str, directory: str,
                 tree: str | None) -> dict[str, str] | None:
        """Every blob of the tip's tree, from one recursive tree read (after the commit's,
        unless a known state gave the tree); None if GitHub truncated the listing."""
        if tree is None:
            tree = self._commit_tree(repo, tip)
        # Reference: https://docs.github.com/en/rest/git/trees#get-a-tree
        what = f"list the files of {repo.id} at {tip[:7]}"
        # Any value of recursive lists the whole tree (§1j [P]); there is no path filter.
        response = self.http.request("GET", f"/repos/{full_path(repo)}/git/trees/{tree}",
                                     params={"recursive": "1"}, what=what)
        listing = self.http.json(response, what)
        if listing["truncated"]:  # over 100,000 entries or 7 MB: read paths one by one
            return None
        prefix = f"{directory}/" if directory else ""
        return {entry["path"]: entry["sha"] for entry in listing["tree"]
                if entry["type"] == "blob" and entry["path"].startswith(prefix)}

    def _blob_content(self, repo: Repository, tip: str, path: str,
                      blob: str | None) -> bytes | None:
        if blob is None:  # no listing (truncated): the file at the tip commit, if any
            # Reference: https://docs.github.com/en/rest/repos/contents#get-repository-content
            what = f"read {path} at {tip[:7]} of {repo.id}"
            try:
                response = self.http.request(
                    "GET", f"/repos/{full_path(repo)}/contents/{path_segments(path)}",
                    params={"ref": tip}, what=what)
            except NotFound:
                return None
            return base64.b64decode(self.http.json(response, what)["content"])
        # Reference: https://docs.github.com/en/rest/git/blobs#get-a-blob
        what = f"read {path} of {repo.id}"
        response = self.http.request("GET", f"/repos/{full_path(repo)}/git/blobs/{blob}",
                                     what=what)
        return base64.b64decode(self.http.json(response, what)["content"])
