"""Reading a provider's answer: the human message of an error, its rate-limit headers, and
the typed error its status means on every provider."""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import requests

from webapp.providers.base import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionMissing,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    UnexpectedResponse,
)


def status_error(response: requests.Response, what: str, label: str,
                 redact: Callable[[str], str]) -> ProviderError:
    """The typed error a failed response's status means on every provider."""
    status = response.status_code
    said = redact(provider_message(response))
    detail = f" {label} said: {said}" if said else ""
    if status == 429 or primary_rate_limit(response):
        reset_at = reset_time(response)
        when = f" until {reset_at:%H:%M:%S} UTC" if reset_at else ""
        return RateLimited(f"{label} is rate-limiting requests{when} ({what}).",
                           status=status, reset_at=reset_at, provider_message=said,
                           hint="Wait and try again; many deploys at once use up the limit.")
    if status == 401:
        return AuthenticationFailed(
            f"{label} refused the token (401) while trying to {what}.{detail}",
            status=status, provider_message=said,
            hint="Check that the token is correct, not expired and not revoked.")
    if status == 403:
        return PermissionMissing(
            f"The token may not {what} (403).{detail}", status=status,
            provider_message=said,
            hint="Give the token the scopes listed under its field, and check your role "
                 "in the organization.")
    if status == 404:
        return NotFound(f"{label} found nothing to {what} (404).{detail}",
                        status=status, provider_message=said,
                        hint="Check the names, and that the token can see them.")
    if status == 409:
        return Conflict(f"{label} reported a conflict while trying to {what}.{detail}",
                        status=status, provider_message=said)
    if status >= 500:
        return ProviderUnavailable(
            f"{label} failed ({status}) while trying to {what}.{detail}",
            status=status, provider_message=said, hint="Try again later.")
    return UnexpectedResponse(
        f"{label} answered {status} while trying to {what}.{detail}",
        status=status, provider_message=said)


def provider_message(response: requests.Response) -> str:
    """The human part of an error body, in any of the four providers' shapes."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:200] if text and "<html" not in text[:200].lower() else ""
    return _message_of(body)[:300]


def _message_of(body: object) -> str:
    if isinstance(body, str):
        return body
    if not isinstance(body, dict):
        return ""
    for key in ("message", "error_description", "error"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, list) and value:  # GitLab: {"message": ["Another open ..."]}
            return "; ".join(map(str, value))
        if isinstance(value, dict):
            nested = _message_of(value)
            if nested:
                return nested
            return "; ".join(f"{field} {' '.join(map(str, problems))}"
                             for field, problems in value.items()
                             if isinstance(problems, list))
    return ""


def retry_after_seconds(response: requests.Response) -> float | None:
    """Retry-After (seconds or an HTTP date), else the rate-limit reset of an exhausted limit."""
    value = response.headers.get("Retry-After")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    reset = reset_time(response)
    if reset is not None and response.headers.get("X-RateLimit-Remaining") == "0":
        return max(0.0, (reset - datetime.now(UTC)).total_seconds())
    return None


def reset_time(response: requests.Response) -> datetime | None:
    """When the provider says the limit resets (epoch headers or Retry-After)."""
    for header in ("X-RateLimit-Reset", "RateLimit-Reset"):
        value = response.headers.get(header, "")
        if value.isdigit():
            return datetime.fromtimestamp(int(value), UTC)
    seconds = response.headers.get("Retry-After", "").strip()
    if seconds.isdigit():
        return datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=int(seconds))
    return None


def primary_rate_limit(response: requests.Response) -> bool:
    """GitHub's primary limit answers 403 with X-RateLimit-Remaining: 0."""
    return response.status_code == 403 and response.headers.get("X-RateLimit-Remaining") == "0"
