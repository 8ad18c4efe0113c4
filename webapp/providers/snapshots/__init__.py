"""current_files and list_files of every client: what a branch holds now, read-only.

One algorithm for all four providers (a diff preview must not differ by provider); each
client's module here supplies the steps its API offers:

- `_snapshot_tip(repo, branch)`: the branch's commit, None if there is none;
- `_list_blobs(repo, tip, directory, tree)`: {path: blob id} of the files under
  directory at tip (blob id None where the listing has none), or None when it cannot
  list them all;
- `_blob_content(repo, tip, path, blob)`: a file's bytes at tip (by blob id where the
  provider reads blobs), None if the path does not exist there.

What a provider cannot do is data: LISTS_BLOB_IDS is False where a listing carries no
blob ids (Bitbucket Cloud), so each path is read at the tip instead of compared by id.
"""

from __future__ import annotations

from collections.abc import Mapping

from webapp.providers.base import Repository
from webapp.providers.changes import Listing, Snapshot
from webapp.providers.errors import UnexpectedResponse
from webapp.providers.state import BranchState, blob_id


class Snapshots:
    """current_files and list_files, from the client's three steps (module docstring)."""

    LISTS_BLOB_IDS = True

    def current_files(self, repo: Repository, branch: str, files: Mapping[str, bytes | None],
                      known: BranchState | None = None) -> Snapshot:
        """What branch holds now of every path in files that a commit of files would change.

        Reads only. Blob ids decide what differs without reading contents: from known while
        the tip (read first) is still known.commit, otherwise from one listing; only the
        files that differ are read. Everything is read at the tip's SHA, so the snapshot is
        one consistent commit even if the branch moves meanwhile.
        """
        files = {path.lstrip("/"): content for path, content in files.items()}
        tip = self._snapshot_tip(repo, branch)
        if tip is None:  # no branch (or an empty repository): every written file is new
            return Snapshot(None, {path: None for path, content in files.items()
                                   if content is not None})
        blobs: dict[str, str | None] = {}
        tree = None
        if known is not None and tip == known.commit:
            blobs = {path: known.files[path].blob for path in files if path in known.files}
            tree = known.tree
        unlisted = [path for path in files if path not in blobs]
        if unlisted and self.LISTS_BLOB_IDS:
            listed = self._list_blobs(repo, tip, common_directory(unlisted), tree)
            if listed is not None:
                blobs.update({path: listed.get(path) for path in unlisted})
                unlisted = []
        differing: dict[str, bytes | None] = {}
        for path, content in sorted(files.items()):
            if path in unlisted:  # no blob id to compare with: read it
                current = self._blob_content(repo, tip, path, None)
                if current != content:
                    differing[path] = current
            elif blobs[path] != (blob_id(content) if content is not None else None):
                differing[path] = self._blob_content(repo, tip, path, blobs[path]) \
                    if blobs[path] else None
        return Snapshot(tip, differing)

    def list_files(self, repo: Repository, branch: str, directory: str = "") -> Listing:
        """Every file under directory ("" for all) at the tip of branch, with blob ids."""
        tip = self._snapshot_tip(repo, branch)
        if tip is None:
            return Listing(None, {})
        directory = directory.strip("/")
        listed = self._list_blobs(repo, tip, directory, None)
        if listed is None:
            raise UnexpectedResponse(
                f"{self.label} could not list every file of {repo.name} at {tip[:7]} (the "
                "repository is too large to list in one answer).")
        prefix = f"{directory}/" if directory else ""
        return Listing(tip, {path: blob for path, blob in listed.items()
                             if path.startswith(prefix)})


def common_directory(paths: list[str]) -> str:
    """The deepest directory holding every path ("" for the root)."""
    directories = [path.split("/")[:-1] for path in paths]
    common: list[str] = []
    for parts in zip(*directories, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return "/".join(common)
