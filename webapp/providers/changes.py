"""What a deploy reviewed by a team deals in: the branch as it is now (for a diff preview),
the files under a directory, and the pull or merge request that carries a change.

Plain data, the same for every provider: each client translates its own answer into these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

OPEN, MERGED, CLOSED = "open", "merged", "closed"
CHANGE_STATES = (OPEN, MERGED, CLOSED)


@dataclass(frozen=True)
class ChangeRequest:
    """A pull request (GitHub, Azure DevOps, Bitbucket Cloud) or merge request (GitLab)."""

    number: str          # GitHub number, GitLab iid, Azure pullRequestId, Bitbucket id
    web_url: str         # the page a person opens
    state: str           # OPEN, MERGED or CLOSED, whatever the provider calls them
    source_branch: str
    target_branch: str
    merge_commit: str | None = None  # the commit the merge left on the target, where known
    created: bool = False  # True when open_change_request opened it just now (else reused)

    def __post_init__(self) -> None:
        if self.state not in CHANGE_STATES:
            raise ValueError(f"state must be one of {CHANGE_STATES}, not {self.state!r}")


@dataclass(frozen=True)
class Snapshot:
    """What a branch holds now of the paths a commit would write: a diff preview's left side.

    files has only the paths that differ from what would be written, each with its content
    on the branch now (None: the path does not exist there). Identical paths are left out.
    """

    tip: str | None  # the branch's commit; None when the branch or repository is empty/missing
    files: Mapping[str, bytes | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", MappingProxyType(dict(self.files)))

    @property
    def unchanged(self) -> bool:
        """Whether committing would change nothing."""
        return not self.files


@dataclass(frozen=True)
class Listing:
    """The files under a directory at a branch's tip, with their git blob ids."""

    tip: str | None
    # path (from the repository root) -> git blob id; None where the provider's listing
    # gives no blob ids (Bitbucket Cloud).
    files: Mapping[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "files", MappingProxyType(dict(self.files)))
