"""What every git provider offers, the results it returns and the errors it raises.

No Flask here (nor anywhere under webapp/providers/): a provider is plain Python built
from a ProviderSettings, so the same code serves the web app, the CLI and the tests.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit, urlunsplit

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
                     known: BranchState | None = None) -> CommitResult:
        """One atomic commit of files on branch (None deletes a file); none if nothing changes.

        known is the state an earlier call's result gave for this repository and branch:
        while the tip is still known.commit, fewer requests (webapp/providers/state.py).
        """

    def read_file(self, repo: Repository, branch: str, path: str) -> bytes:
        """The content of path at the tip of branch."""

    def delete_repository(self, repo: Repository) -> None:
        """Delete the repository (and purge it where the provider soft-deletes)."""

    def clone_url(self, repo: Repository) -> str:
        """The HTTPS URL Argo CD would pull."""

    def git_username(self) -> str:
        """The user name Argo CD gives git along with a token."""


# --- the error vocabulary -------------------------------------------------------------


class ProviderError(Exception):
    """A provider call failed; the message says what to fix and never holds a secret."""

    code = "unexpected_response"
    permanent = True  # False: the same call may succeed later without any change

    def __init__(self, message: str, *, status: int | None = None, hint: str = "",
                 provider_message: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.hint = hint
        self.provider_message = provider_message

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class AuthenticationFailed(ProviderError):
    """The token was refused: wrong, expired or revoked."""

    code = "authentication_failed"


class PermissionMissing(ProviderError):
    """The token is valid but may not do this."""

    code = "permission_missing"

    def __init__(self, message: str, *, missing_scope: str | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.missing_scope = missing_scope


class NotFound(ProviderError):
    """The thing does not exist, or the token may not see it."""

    code = "not_found"


class AlreadyExists(ProviderError):
    """Something of that name already exists."""

    code = "already_exists"


class Conflict(ProviderError):
    """The branch moved or the repository changed under us; re-read and try again."""

    code = "conflict"
    permanent = False


class RateLimited(ProviderError):
    """Too many requests; retry after reset_at."""

    code = "rate_limited"
    permanent = False

    def __init__(self, message: str, *, reset_at: datetime | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.reset_at = reset_at


class ProviderUnavailable(ProviderError):
    """No usable answer: connection refused, TLS failure, timeout or a 5xx."""

    code = "provider_unavailable"
    permanent = False

    def __init__(self, message: str, *, timed_out: bool = False, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.timed_out = timed_out


class UnexpectedResponse(ProviderError):
    """An answer the client does not understand (a bug on one side, or a proxy in between)."""

    code = "unexpected_response"


PUBLIC_OPERATIONS = ("check_identity", "check_namespace", "ensure_repository", "get_repository",
                     "commit_files", "read_file", "delete_repository")


def guard_answers(cls: type) -> type:
    """Make a provider's operations report an answer of the wrong shape as UnexpectedResponse.

    A client reads the fields it needs (user["login"], body["value"]); a proxy or an API
    change that leaves one out must become a clear error, not a KeyError deep in a page.
    """
    for name in PUBLIC_OPERATIONS:
        method = getattr(cls, name)

        @functools.wraps(method)
        def guarded(self, *args, _method=method, **kwargs):
            try:
                return _method(self, *args, **kwargs)
            except (KeyError, TypeError, AttributeError, IndexError) as error:
                raise UnexpectedResponse(
                    f"{self.label} answered in a shape this client does not understand "
                    f"({type(error).__name__}: {error}).",
                    hint="A proxy may be rewriting answers, or the provider's API changed; "
                         "check the host.") from None
        setattr(cls, name, guarded)
    return cls
