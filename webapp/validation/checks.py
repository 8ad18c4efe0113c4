"""The validation stages that only read: the token's scopes, the namespace, a file."""

from __future__ import annotations

from webapp.providers.base import Identity, Provider, ProviderError, Repository, missing_scopes
from webapp.validation.report import FAILED, PASSED, WARNING


def check_scopes(provider: Provider, identity: Identity) -> tuple[str, str]:
    """The scopes stage: a missing required scope fails, a missing optional one warns."""
    missing = missing_scopes(provider.SCOPES, identity)
    if missing is None:
        note = identity.scope_note or f"{provider.label} does not report a token's scopes."
        return PASSED, f"Scopes unknown: {note}"
    required = [rule for rule in missing if rule.required]
    optional = [rule for rule in missing if not rule.required]
    if required:
        names = "; ".join(f"{rule.name}, needed to {rule.purpose}" for rule in required)
        raise ScopeError(f"The token lacks the scope {names}.")
    if optional:
        names = "; ".join(f"{rule.name}, needed to {rule.purpose}" for rule in optional)
        return WARNING, f"The token lacks {names}."
    return PASSED, "The token has " + ", ".join(identity.scopes or ()) + "."


class ScopeError(ProviderError):
    """A required scope is missing (hints read it as permission_missing)."""

    code = "permission_missing"


def check_namespace(provider: Provider) -> tuple[str, str]:
    """The namespace stage: it exists and the token can reach it."""
    namespace = provider.check_namespace()
    detail = f" {namespace.detail}" if namespace.detail else ""
    return PASSED, f"Found {namespace.name}.{detail}"


def check_read_back(provider: Provider, repo: Repository, branch: str,
                    written: dict[str, bytes]) -> tuple[str, str]:
    """The read_back stage: the first file written reads back unchanged."""
    path, expected = next(iter(written.items()))
    content = provider.read_file(repo, branch, path)
    if content != expected:
        return FAILED, f"{path} came back different from what was committed."
    return PASSED, f"Read {path} back unchanged."
