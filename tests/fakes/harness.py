"""What the provider-independent tests need to know about each provider's simulator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.git import GitRepo
from tests.fakes.simulator import Simulator
from webapp.providers.base import ProviderSettings


@dataclass(frozen=True)
class Harness:
    """One provider's simulator, client and the names the shared tests use."""

    kind: str
    simulator: type[Simulator]
    provider: type
    # ProviderSettings pointing at a running simulator, with a good token.
    settings: Callable[..., ProviderSettings]
    # The in-memory git repository behind a repository name (None if there is none).
    git: Callable[[Simulator, str], GitRepo | None]
    # Contract operation ids by role: identity, namespace, create, commit, read, delete, branch,
    # open_request, close_request.
    operations: dict[str, str]
    # Tokens by role: good, wrong, no_delete (may not delete), no_create (may not create).
    tokens: dict[str, str]
    # Settings changes that name a namespace the simulator does not have.
    unknown_namespace: dict[str, str]
    # A realistic error body of this provider for a status and a message.
    error_body: Callable[[int, str], Any]
    # Files a freshly created repository already holds (an auto-initialised README).
    initial_files: set[str] = field(default_factory=set)
