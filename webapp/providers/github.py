"""GitHub and GitHub Enterprise Server, through the REST API and its Git Data API."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime

import requests

from webapp.providers.answers import provider_message
from webapp.providers.base import (
    AlreadyExists,
    AuthenticationFailed,
    Identity,
    Namespace,
    NotFound,
    PermissionMissing,
    ProviderClient,
    ProviderError,
    ProviderSettings,
    Repository,
    UnexpectedResponse,
    guard_answers,
)
from webapp.providers.commits.github import GitHubCommits, full_path
from webapp.providers.http import HttpSeam, path_segments, segment
from webapp.providers.kinds import GITHUB
from webapp.providers.reviews.github import GitHubReviews
from webapp.providers.snapshots.github import GitHubSnapshots

log = logging.getLogger(__name__)

PUBLIC_HOST = "https://github.com"
PUBLIC_API = "https://api.github.com"
API_VERSION = "2022-11-28"  # supported by github.com and every current GHES release
REPOSITORY_DESCRIPTION = "Desired state managed by GitOps Console"
# Sent with every answer to a token that has an expiration date (§1j [O]; not in GitHub's
# OpenAPI description nor its docs pages).
EXPIRATION_HEADER = "GitHub-Authentication-Token-Expiration"


def api_base(host: str | None) -> str:
    """https://api.github.com for github.com, <host>/api/v3 for GitHub Enterprise Server."""
    host = (host or PUBLIC_HOST).rstrip("/")
    return PUBLIC_API if host == PUBLIC_HOST else f"{host}/api/v3"


@guard_answers
class GitHubProvider(GitHubCommits, GitHubSnapshots, GitHubReviews, ProviderClient):
    """A GitHub organization reached with a personal access token."""

    kind = GITHUB

    def __init__(self, settings: ProviderSettings, **seam_options) -> None:
        self.settings = settings
        self.org = settings.organization or ""
        self.http = HttpSeam(
            settings, api_base(settings.host), label=self.label,
            auth_headers={"Authorization": f"Bearer {settings.token}"},
            default_headers={"Accept": "application/vnd.github+json",
                             "X-GitHub-Api-Version": API_VERSION},
            map_error=self._map_error, **seam_options)

    # --- checks ----------------------------------------------------------------------

    def check_identity(self) -> Identity:
        """The token's user; classic tokens also list their scopes in X-OAuth-Scopes."""
        # Reference: https://docs.github.com/en/rest/users/users#get-the-authenticated-user
        response = self.http.request("GET", "/user", what="read the token's user")
        user = self.http.json(response, "read the token's user")
        expires = token_expiry(response.headers.get(EXPIRATION_HEADER))
        header = response.headers.get("X-OAuth-Scopes")
        if header is None:
            return Identity(user["login"], user.get("name"), None,
                            "GitHub does not list a fine-grained token's permissions; "
                            "the repository checks decide.", expires)
        scopes = tuple(scope.strip() for scope in header.split(",") if scope.strip())
        return Identity(user["login"], user.get("name"), scopes, token_expires_at=expires)

    def check_namespace(self) -> Namespace:
        """The organization exists and the token can see it."""
        # Reference: https://docs.github.com/en/rest/orgs/orgs#get-an-organization
        what = f"read the organization {self.org}"
        response = self.http.request("GET", f"/orgs/{segment(self.org)}", what=what)
        org = self.http.json(response, what)
        return Namespace(str(org["id"]), org["login"], org.get("html_url"))

    # --- repositories ----------------------------------------------------------------

    def ensure_repository(self, name: str) -> Repository:
        """Create a private repository with an initial commit, or return the existing one."""
        # Reference: https://docs.github.com/en/rest/repos/repos#create-an-organization-repository
        what = f"create the repository {self.org}/{name}"
        try:
            # auto_init gives the repository a branch: the Git Data API cannot write to an
            # empty repository (409 "Git Repository is empty.").
            response = self.http.request(
                "POST", f"/orgs/{segment(self.org)}/repos", what=what, ok=(201,),
                json={"name": name, "private": True, "auto_init": True,
                      "description": REPOSITORY_DESCRIPTION})
        except AlreadyExists:
            return self.get_repository(name)
        return self._repository(self.http.json(response, what), created=True)

    def get_repository(self, name: str) -> Repository:
        """The existing repository of that name in the organization."""
        # Reference: https://docs.github.com/en/rest/repos/repos#get-a-repository
        what = f"read the repository {self.org}/{name}"
        response = self.http.request("GET", f"/repos/{segment(self.org)}/{segment(name)}",
                                     what=what)
        return self._repository(self.http.json(response, what))

    def delete_repository(self, repo: Repository) -> None:
        """Delete the repository (needs the delete_repo scope and admin rights)."""
        # Reference: https://docs.github.com/en/rest/repos/repos#delete-a-repository
        self.http.request("DELETE", f"/repos/{full_path(repo)}", ok=(204,),
                          what=f"delete the repository {repo.id}")

    # --- files -----------------------------------------------------------------------

    def read_file(self, repo: Repository, branch: str, path: str) -> bytes:
        """The content of path at branch."""
        # Reference: https://docs.github.com/en/rest/repos/contents#get-repository-content
        what = f"read {path} on {branch} of {repo.id}"
        response = self.http.request(
            "GET", f"/repos/{full_path(repo)}/contents/{path_segments(path)}",
            params={"ref": branch}, what=what)
        content = self.http.json(response, what)
        if not isinstance(content, dict) or content.get("type") != "file":
            raise NotFound(f"{path} on {branch} of {repo.id} is not a file.")
        return base64.b64decode(content["content"])

    # --- translation -----------------------------------------------------------------

    def _repository(self, data: dict, created: bool = False) -> Repository:
        return Repository(name=data["name"], id=data["full_name"], clone_url=data["clone_url"],
                          web_url=data["html_url"], default_branch=data.get("default_branch"),
                          created=created)

    def _map_error(self, response: requests.Response, what: str) -> ProviderError | None:
        """GitHub's own ways of saying 'already exists', 'wrong token' and 'missing scope'."""
        status = response.status_code
        said = self.http.redact(provider_message(response))
        if status == 422:
            resource, detail = _validation(response)
            detail = self.http.redact(detail)
            if "already exists" in detail:  # a repository's name, an open pull request
                thing = "A repository of that name" if resource == "Repository" else \
                    "An open pull request for that branch" if resource == "PullRequest" \
                    else "It"
                return AlreadyExists(f"{thing} already exists ({what}).", status=status,
                                     provider_message=detail)
            if "Reference does not exist" in said:  # deleting a branch that is not there
                return NotFound(f"GitHub found no such branch ({what}).", status=status,
                                provider_message=said)
            if detail:  # "No commits between main and ...", a missing head or base
                return UnexpectedResponse(f"GitHub refused to {what}: {detail}.",
                                          status=status, provider_message=detail)
        if status == 401:
            return AuthenticationFailed(
                f"GitHub refused the token while trying to {what}: {said or 'Bad credentials'}.",
                status=status, provider_message=said,
                hint="Check that the token is correct, not expired and not revoked.")
        if status == 403 and response.headers.get("X-RateLimit-Remaining") != "0":
            needed = response.headers.get("X-Accepted-OAuth-Scopes", "")
            granted = {s.strip() for s in response.headers.get("X-OAuth-Scopes", "").split(",")}
            missing = next((s.strip() for s in needed.split(",")
                            if s.strip() and s.strip() not in granted), None)
            scope_text = f" It needs the {missing} scope." if missing else ""
            return PermissionMissing(
                f"GitHub does not let the token {what}.{scope_text} GitHub said: {said}",
                status=status, missing_scope=missing, provider_message=said,
                hint=f"Add the {missing} scope to the token." if missing else
                     "Check the token's scopes (repo, admin:org, delete_repo) and your role "
                     "in the organization.")
        return None


def _validation(response: requests.Response) -> tuple[str | None, str]:
    """(resource, what its errors say) of a 422 validation-error body (§1h [P])."""
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return None, ""
    errors = [error for error in errors if isinstance(error, dict)]
    resource = next((error.get("resource") for error in errors), None)
    detail = "; ".join(str(error.get("message") or f"{error.get('field')} is "
                           f"{error.get('code')}") for error in errors)
    return resource, detail


def token_expiry(value: str | None) -> datetime | None:
    """The expiry GitHub sends for a token with one: "2026-12-31 00:00:00 UTC" (§1j [O]);
    one client also reads a numeric offset ("... +0900"), so both are read. None when the
    header is absent (no expiry) or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.endswith("UTC"):
        text = text.removesuffix("UTC") + "+0000"
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z").astimezone(UTC)
    except ValueError:
        log.warning("GitHub sent an unreadable %s header: %r", EXPIRATION_HEADER, value)
        return None
