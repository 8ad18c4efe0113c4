"""Azure DevOps' steps for current_files and list_files: refs, items, items (§3j)."""

from __future__ import annotations

from webapp.providers.base import NotFound, Repository
from webapp.providers.commits.azure_devops import item_path
from webapp.providers.http import segment
from webapp.providers.snapshots import Snapshots


class AzureDevOpsSnapshots(Snapshots):
    """The items API's reads, for AzureDevOpsProvider (uses its http seam, _git, _json)."""

    def _snapshot_tip(self, repo: Repository, branch: str) -> str | None:
        return self._branch_tip(repo, branch)

    def _list_blobs(self, repo: Repository, tip: str, directory: str,
                 tree: str | None) -> dict[str, str]:
        """{path: blob id} of every file under directory at the tip commit, in one call."""
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/items/list?view=azure-devops-rest-7.1
        what = f"list the files of {repo.name} at {tip[:7]}"
        try:
            response = self.http.request(
                "GET", self._git(f"/repositories/{segment(repo.id)}/items"), what=what,
                params={"scopePath": item_path(directory), "recursionLevel": "full",
                        "versionDescriptor.version": tip,
                        "versionDescriptor.versionType": "commit"})
        except NotFound:
            if not directory:
                raise
            return {}  # no such directory at the tip: nothing under it
        return {item["path"].lstrip("/"): item["objectId"]
                for item in self._json(response, what)["value"] if not item.get("isFolder")}

    def _blob_content(self, repo: Repository, tip: str, path: str,
                      blob: str | None) -> bytes | None:
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/items/get?view=azure-devops-rest-7.1
        what = f"read {path} at {tip[:7]} of {repo.name}"
        try:
            response = self.http.request(
                "GET", self._git(f"/repositories/{segment(repo.id)}/items"), what=what,
                params={"path": item_path(path), "versionDescriptor.version": tip,
                        "versionDescriptor.versionType": "commit", "includeContent": "true"})
        except NotFound:
            return None
        item = self._json(response, what)
        return item["content"].encode("utf-8") if isinstance(item.get("content"), str) else None
