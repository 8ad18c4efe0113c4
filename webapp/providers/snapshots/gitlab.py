"""GitLab's steps for current_files and list_files: the branch, the tree, raw files (§2j)."""

from __future__ import annotations

from webapp.providers.base import NotFound, Repository
from webapp.providers.http import segment
from webapp.providers.snapshots import Snapshots


class GitLabSnapshots(Snapshots):
    """The repository API's reads, for GitLabProvider (uses its http seam)."""

    def _snapshot_tip(self, repo: Repository, branch: str) -> str | None:
        return self._branch_commit(repo, branch)

    def _list_blobs(self, repo: Repository, tip: str, directory: str,
                 tree: str | None) -> dict[str, str]:
        """Every blob under directory at tip: keyset pages of 100, following Link: next."""
        # Reference: https://docs.gitlab.com/api/repositories/#list-repository-tree
        what = f"list the files of {repo.name} at {tip[:7]}"
        # ref is the tip's SHA, not the branch, so the listing is the commit just read
        # (documented as "branch or tag"; a SHA is [U] §2j).
        params = {"ref": tip, "recursive": "true", "per_page": "100", "pagination": "keyset"}
        if directory:
            params["path"] = directory
        url: str | None = f"/projects/{segment(repo.id)}/repository/tree"
        blobs: dict[str, str] = {}
        while url:
            try:
                response = self.http.request("GET", url, params=params, what=what)
            except NotFound:
                if not directory:
                    raise
                return {}  # a missing path is 404 since GitLab 17.7: nothing under it
            blobs.update({entry["path"]: entry["id"] for entry in self.http.json(response, what)
                          if entry["type"] == "blob"})
            url, params = response.links.get("next", {}).get("url"), None
        return blobs

    def _blob_content(self, repo: Repository, tip: str, path: str,
                      blob: str | None) -> bytes | None:
        # Reference: https://docs.gitlab.com/api/repository_files/#get-raw-file-from-repository
        try:
            return self.http.request(
                "GET", f"/projects/{segment(repo.id)}/repository/files/{segment(path)}/raw",
                params={"ref": tip}, what=f"read {path} at {tip[:7]} of {repo.name}").content
        except NotFound:
            return None
