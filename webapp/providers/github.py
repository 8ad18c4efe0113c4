"""GitHub and GitHub Enterprise Server, through the REST API and its Git Data API."""

from __future__ import annotations

import base64

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
    guard_answers,
)
from webapp.providers.commits.github import GitHubCommits, full_path
from webapp.providers.http import HttpSeam, path_segments, segment
from webapp.providers.kinds import GITHUB

PUBLIC_HOST = "https://github.com"
PUBLIC_API = "https://api.github.com"
API_VERSION = "2022-11-28"  # supported by github.com and every current GHES release
REPOSITORY_DESCRIPTION = "Desired state managed by GitOps Console"


def api_base(host: str | None) -> str:
    """https://api.github.com for github.com, <host>/api/v3 for GitHub Enterprise Server."""
    host = (host or PUBLIC_HOST).rstrip("/")
    return PUBLIC_API if host == PUBLIC_HOST else f"{host}/api/v3"


@guard_answers
class GitHubProvider(GitHubCommits, ProviderClient):
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
        header = response.headers.get("X-OAuth-Scopes")
        if header is None:
            return Identity(user["login"], user.get("name"), None,
                            "GitHub does not list a fine-grained token's permissions; "
                            "the repository checks decide.")
        scopes = tuple(scope.strip() for scope in header.split(",") if scope.strip())
        return Identity(user["login"], user.get("name"), scopes)

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
        if status == 422 and _name_taken(response):
            return AlreadyExists(f"A repository of that name already exists ({what}).",
                                 status=status, provider_message=said)
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


def _name_taken(response: requests.Response) -> bool:
    try:
        errors = response.json().get("errors") or []
    except (ValueError, AttributeError):
        return False
    return any("already exists" in str(error.get("message", "")) for error in errors
               if isinstance(error, dict))
