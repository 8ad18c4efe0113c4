"""Bitbucket Cloud's steps for current_files and list_files: the branch, the directory
listing and each file at the tip (§4j)."""

from __future__ import annotations

from urllib.parse import quote

from webapp.providers.base import NotFound, Repository
from webapp.providers.commits.bitbucket_cloud import repo_path
from webapp.providers.http import segment
from webapp.providers.snapshots import Snapshots

DEPTH = 4  # levels per listing; deeper directories are listed again (too deep: 555, §4j)


class BitbucketCloudSnapshots(Snapshots):
    """The /src reads, for BitbucketCloudProvider (uses its http seam)."""

    # Bitbucket's listings carry no blob ids: each path is read at the tip and compared.
    LISTS_BLOB_IDS = False

    def _snapshot_tip(self, repo: Repository, branch: str) -> str | None:
        return self._tip(repo, branch)[0]

    def _list_blobs(self, repo: Repository, tip: str, directory: str,
                    tree: str | None) -> dict[str, None]:
        """Every file under directory at tip ({path: None}: no blob ids), DEPTH levels a
        listing, following each page's next link."""
        files: dict[str, None] = {}
        pending = [directory]
        while pending:
            below = pending.pop(0)
            # The trailing slash is required for the root (§4j [P]).
            url: str | None = (f"{repo_path(repo.id)}/src/{segment(tip)}/"
                               + (f"{quote(below)}/" if below else ""))
            params: dict | None = {"max_depth": str(DEPTH), "pagelen": "100"}
            what = f"list the files of {repo.id} at {tip[:7]}"
            while url:
                try:
                    # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-source/#api-repositories-workspace-repo-slug-src-commit-path-get
                    response = self.http.request("GET", url, params=params, what=what)
                except NotFound:
                    if not below:
                        raise
                    break  # no such directory: nothing under it
                page = self.http.json(response, what)
                depth = below.count("/") + 1 + DEPTH if below else DEPTH
                for entry in page["values"]:
                    if entry["type"] == "commit_file":
                        files[entry["path"]] = None
                    elif entry["path"].count("/") + 1 == depth:  # its contents were cut off
                        pending.append(entry["path"])
                url, params = page.get("next"), None
        return files

    def _blob_content(self, repo: Repository, tip: str, path: str,
                      blob: str | None) -> bytes | None:
        return self._read_at(repo, tip, path)
