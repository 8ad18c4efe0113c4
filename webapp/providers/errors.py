"""The error vocabulary every provider raises, and the guard that keeps a malformed answer
from surfacing as a KeyError.

Each client maps its provider's native errors onto these in one place (its _map_error);
pages, the API and the CLI only ever see these types.
"""

from __future__ import annotations

import functools
from datetime import datetime


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
                     "commit_files", "read_file", "delete_repository",
                     # issue 13: previews, change requests, branches
                     "current_files", "list_files", "open_change_request",
                     "change_request", "close_change_request", "delete_branch")


def guard_answers(cls: type) -> type:
    """Make a provider's operations report an answer of the wrong shape as UnexpectedResponse.

    A client reads the fields it needs (user["login"], body["value"]); a proxy or an API
    change that leaves one out must become a clear error, not a KeyError deep in a page.
    """
    for name in PUBLIC_OPERATIONS:
        method = getattr(cls, name)  # every client has every operation

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
