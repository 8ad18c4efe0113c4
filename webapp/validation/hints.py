"""What to do next when a validation stage fails: a hint per stage and kind of error."""

from __future__ import annotations

from webapp.providers.base import Provider, ProviderError, RateLimited

PRECREATED_MODE = ("or switch on \"Repositories are created by an administrator\" and name a "
                   "repository the token may write to")

_HINTS = {
    ("authenticate", "authentication_failed"):
        "Create a new token (the scopes it needs are listed under the token field) and paste "
        "it again.",
    ("scopes", "permission_missing"):
        "Edit the token on the provider's site to add the missing scope, then validate again.",
    ("namespace", "not_found"):
        "Check the spelling, and that the token's user is a member who can see it.",
    ("namespace", "permission_missing"):
        "The token's user needs access to this namespace.",
    ("create_repository", "permission_missing"):
        f"Give the token the right to create repositories here, {PRECREATED_MODE}.",
    ("create_repository", "not_found"):
        f"The token cannot see where repositories would be created; {PRECREATED_MODE}.",
    ("commit", "permission_missing"):
        "The token may create repositories but not push to them: give it write access to "
        "repository contents.",
    ("commit", "conflict"):
        "Someone committed at the same moment, or a branch rule refused the push; try again.",
    ("read_back", "not_found"):
        "The commit was accepted but the file cannot be read back; the token may lack read "
        "access to repository contents.",
    ("pull_request", "permission_missing"):
        "The token may commit but not open pull/merge requests: give it that right (GitHub "
        "fine-grained tokens: Pull requests: write; Bitbucket: read:pullrequest and "
        "write:pullrequest; Azure DevOps: the Contribute to pull requests permission), or "
        "switch pull-request mode off.",
    ("pull_request", "not_found"):
        "The configured branch must exist for requests to target it, and the token must see "
        "the repository's branches.",
    ("pull_request", "conflict"):
        "Someone changed the branch at the same moment; validate again.",
    ("pull_request", "unexpected_response"):
        "The provider refused the request: a branch rule or a repository setting (pull "
        "requests switched off, branch name patterns) may forbid it.",
    ("delete_repository", "permission_missing"):
        "Give the token the right to delete repositories to let validation clean up after "
        "itself; deploys do not need it.",
}


def hint_for(stage_id: str, error: ProviderError, provider: Provider) -> str:
    """The most useful next step for error at stage_id."""
    if isinstance(error, RateLimited):
        when = f" (after {error.reset_at:%H:%M} UTC)" if error.reset_at else ""
        return f"{provider.label} is limiting requests: validate again later{when}."
    specific = _HINTS.get((stage_id, error.code))
    return " ".join(part for part in (specific, error.hint) if part)
