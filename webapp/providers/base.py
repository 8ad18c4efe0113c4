"""What every git provider offers, the results it returns and the errors it raises.

No Flask here (nor anywhere under webapp/providers/): a provider is plain Python built
from a ProviderSettings, so the same code serves the web app, the CLI and the tests.
The errors live in providers.errors and the review types (ChangeRequest, Snapshot,
Listing) in providers.changes; both are importable from here too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit, urlunsplit

from webapp.providers.changes import CHANGE_STATES, ChangeRequest, Listing, Snapshot
from webapp.providers.errors import (
    AlreadyExists,
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionMissing,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    UnexpectedResponse,
    guard_answers,
)
from webapp.providers.state import BranchState

if TYPE_CHECKING:  # type names only: kinds and http import this module
    from webapp.providers.http import HttpSeam
    from webapp.providers.kinds import ProviderKind

SCOPES_UNKNOWN = None  # a provider that does not say which scopes a token has


@dataclass(frozen=True)
class ProviderSettings:
    """Everything needed to talk to one provider; built from a saved configuration."""

    kind: str
    host: str | None
    username: str
    token: str = field(repr=False)
    organization: str | None = None      # GitHub
    group_id: str | None = None          # GitLab: numeric id or full path
    organization_url: str | None = None  # Azure DevOps
    project: str | None = None           # Azure DevOps
    workspace: str | None = None         # Bitbucket Cloud
    project_key: str | None = None       # Bitbucket Cloud (None: the oldest project)
    credential_type: str | None = None   # Bitbucket Cloud: "api_token" or "app_password"
    ca_bundle: str | None = field(default=None, repr=False)  # PEM text of extra CAs
    verify_tls: bool = True
    # Off: refuse hosts that resolve to loopback, link-local or private addresses.
    allow_private_hosts: bool = False
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_retries: int = 2
    max_retry_wait: float = 30.0


@dataclass(frozen=True)
class Identity:
    """Whom a token belongs to and, where the provider says, what it may do."""

    username: str | None
    display_name: str | None = None
    scopes: tuple[str, ...] | None = SCOPES_UNKNOWN
    scope_note: str = ""  # e.g. "fine-grained token: GitHub does not list its permissions"
    # When the token stops working (aware, UTC); None where the provider does not say
    # (Azure DevOps, Bitbucket Cloud) or the token never expires.
    token_expires_at: datetime | None = None


@dataclass(frozen=True)
class ScopeRule:
    """A scope the app wants a token to have, what for, and which granted scopes cover it."""

    name: str
    purpose: str
    required: bool = True   # False: only some operations need it (a warning when missing)
    covered_by: tuple[str, ...] = ()  # broader scopes that include this one

    def satisfied_by(self, granted: tuple[str, ...]) -> bool:
        """Whether the granted scopes include this one."""
        return self.name in granted or any(scope in granted for scope in self.covered_by)


def missing_scopes(rules: tuple[ScopeRule, ...], identity: Identity) -> list[ScopeRule] | None:
    """The rules the token's scopes do not satisfy; None when the provider does not say."""
    if identity.scopes is None:
        return None
    return [rule for rule in rules if not rule.satisfied_by(identity.scopes)]


@dataclass(frozen=True)
class Namespace:
    """The organization, group, project or workspace that holds the repositories."""

    id: str
    name: str
    web_url: str | None = None
    detail: str = ""  # e.g. "repositories go to project APP (the oldest in the workspace)"


@dataclass(frozen=True)
class Repository:
    """A repository on the provider, as the provider identifies it."""

    name: str
    id: str                       # the provider's own id: full name, project id, GUID, slug
    clone_url: str                # HTTPS, without user info: what Argo CD pulls
    web_url: str
    default_branch: str | None = None
    created: bool = False         # True when ensure_repository made it just now


@dataclass(frozen=True)
class CommitResult:
    """The outcome of commit_files: the new commit, or the unchanged tip."""

    sha: str | None
    changed: bool
    web_url: str | None = None
    # The branch right after this call, for the next call's `known`; None: unknowable
    # (forget any state kept for the branch).
    state: BranchState | None = None


@dataclass(frozen=True)
class Author:
    """Who a commit is attributed to."""

    name: str
    email: str


def without_user_info(url: str) -> str:
    """url without the 'user@' some providers put in clone URLs: Argo CD brings its own."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


class ProviderClient:
    """What every client shares: its label and scopes come from its kind (providers.kinds),
    its links are stored cleaned in each Repository (no user info: Argo CD brings its own
    credentials), and its one HTTP seam keeps the deadline and counts the requests."""

    kind: ProviderKind  # set by each client class
    settings: ProviderSettings
    http: HttpSeam

    @property
    def label(self) -> str:
        """The provider's name, for messages."""
        return self.kind.label

    @property
    def SCOPES(self) -> tuple[ScopeRule, ...]:
        """What the token should be allowed to do."""
        return self.kind.scopes

    def clone_url(self, repo: Repository) -> str:
        """The HTTPS URL Argo CD would pull."""
        return repo.clone_url

    def git_username(self) -> str:
        """The user name Argo CD gives git along with a token: GitHub, GitLab and Azure
        DevOps accept any non-empty name with a personal access token, so the saved one."""
        return self.settings.username

    def set_deadline(self, seconds: float) -> None:
        """Every request from now on must end within seconds (validation, deploy)."""
        self.http.deadline = time.monotonic() + seconds

    def extend_deadline(self, seconds: float) -> None:
        """At least seconds more from now, e.g. for clean-up after the deadline passed."""
        self.http.deadline = max(self.http.deadline or 0.0, time.monotonic() + seconds)

    @property
    def request_count(self) -> int:
        """How many HTTP requests this client has sent (redirects and retries included)."""
        return len(self.http.calls)


class Provider(Protocol):
    """The operations the app needs from a git provider."""

    kind: ProviderKind
    label: str
    settings: ProviderSettings
    SCOPES: tuple[ScopeRule, ...]  # what the token should be allowed to do
    request_count: int

    def set_deadline(self, seconds: float) -> None:
        """Every request from now on must end within seconds."""

    def extend_deadline(self, seconds: float) -> None:
        """At least seconds more from now."""

    def check_identity(self) -> Identity:
        """Who the token belongs to, and its scopes where the provider tells them."""

    def check_namespace(self) -> Namespace:
        """The namespace exists and the token can reach it."""

    def ensure_repository(self, name: str) -> Repository:
        """Create a private repository, or return the existing one of that name."""

    def get_repository(self, name: str) -> Repository:
        """The existing repository of that name (NotFound otherwise)."""

    def commit_files(self, repo: Repository, branch: str, files: Mapping[str, bytes | None],
                     message: str, author: Author | None = None,
                     known: BranchState | None = None,
                     base_branch: str | None = None) -> CommitResult:
        """One atomic commit of files on branch (None deletes a file); none if nothing changes.

        A branch that does not exist yet starts from base_branch's tip (default: the
        repository's default branch) and always gets a commit. known is the state an
        earlier call's result gave for the branch the commit builds on (branch, or
        base_branch for a new branch): used only while that branch's tip, read first, is
        still known.commit (webapp/providers/state.py).
        """

    def read_file(self, repo: Repository, branch: str, path: str) -> bytes:
        """The content of path at the tip of branch."""

    def current_files(self, repo: Repository, branch: str, files: Mapping[str, bytes | None],
                      known: BranchState | None = None) -> Snapshot:
        """What branch holds now of every path in files that a commit of files would change.

        Reads only, never a write. known (as for commit_files) saves reading what it
        records while the tip is still known.commit.
        """

    def list_files(self, repo: Repository, branch: str, directory: str = "") -> Listing:
        """Every file under directory ("" for all) at the tip of branch."""

    def delete_branch(self, repo: Repository, branch: str) -> bool:
        """Delete the branch; False if it did not exist."""

    def open_change_request(self, repo: Repository, source_branch: str, target_branch: str,
                            title: str, description: str) -> ChangeRequest:
        """Open a pull/merge request from source into target, or return the open one."""

    def change_request(self, repo: Repository, number: str) -> ChangeRequest:
        """The request's current state, in one request."""

    def close_change_request(self, repo: Repository, number: str) -> ChangeRequest:
        """Close the request without merging (GitLab: close, Azure: abandon, Bitbucket:
        decline)."""

    def delete_repository(self, repo: Repository) -> None:
        """Delete the repository (and purge it where the provider soft-deletes)."""

    def clone_url(self, repo: Repository) -> str:
        """The HTTPS URL Argo CD would pull."""

    def git_username(self) -> str:
        """The user name Argo CD gives git along with a token."""


__all__ = [
    "CHANGE_STATES", "SCOPES_UNKNOWN", "AlreadyExists", "AuthenticationFailed", "Author",
    "BranchState", "ChangeRequest", "CommitResult", "Conflict", "Identity", "Listing",
    "Namespace", "NotFound", "PermissionMissing", "Provider", "ProviderClient",
    "ProviderError", "ProviderSettings", "ProviderUnavailable", "RateLimited", "Repository",
    "ScopeRule", "Snapshot", "UnexpectedResponse", "guard_answers", "missing_scopes",
    "without_user_info",
]
