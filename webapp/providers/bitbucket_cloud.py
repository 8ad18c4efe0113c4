"""Bitbucket Cloud, through its 2.0 REST API: workspaces, projects and the /src commit API."""

from __future__ import annotations

import base64
import re

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
    without_user_info,
)
from webapp.providers.commits.bitbucket_cloud import BitbucketCloudCommits, repo_path
from webapp.providers.http import HttpSeam, segment
from webapp.providers.kinds import BITBUCKET_APP_PASSWORD_NAMES, BITBUCKET_CLOUD
from webapp.providers.reviews.bitbucket_cloud import BitbucketCloudReviews
from webapp.providers.snapshots.bitbucket_cloud import BitbucketCloudSnapshots

PUBLIC_HOST = "https://bitbucket.org"
PUBLIC_API = "https://api.bitbucket.org/2.0"
GIT_USER = "x-bitbucket-api-token-auth"  # what git over HTTPS calls an API token's user
DUPLICATE = "already exists"  # "Repository with this Slug and Owner already exists."


def api_base(host: str | None) -> str:
    """https://api.bitbucket.org/2.0 for bitbucket.org, <host>/2.0 otherwise."""
    host = (host or PUBLIC_HOST).rstrip("/")
    return PUBLIC_API if host == PUBLIC_HOST else f"{host}/2.0"


def repo_slug(name: str) -> str:
    """The slug Bitbucket gives a name: lowercase, no spaces (§4c [O])."""
    return re.sub(r"[^a-z0-9._-]+", "-", name.strip().lower())


@guard_answers
class BitbucketCloudProvider(BitbucketCloudCommits, BitbucketCloudSnapshots,
                             BitbucketCloudReviews, ProviderClient):
    """A Bitbucket Cloud workspace reached with an API token (or a legacy app password)."""

    kind = BITBUCKET_CLOUD

    def __init__(self, settings: ProviderSettings, **seam_options) -> None:
        self.settings = settings
        self.workspace = settings.workspace or ""
        self.app_password = settings.credential_type == "app_password"  # else an API token
        self.credential = "app password" if self.app_password else "API token"
        # Basic with the account email (API token) or username (app password); Bearer is
        # refused for API tokens (§4g [O]).
        # Reference: https://support.atlassian.com/bitbucket-cloud/docs/using-api-tokens/
        pair = base64.b64encode(f"{settings.username}:{settings.token}".encode()).decode()
        self.http = HttpSeam(settings, api_base(settings.host), label=self.label,
                             auth_headers={"Authorization": f"Basic {pair}"},
                             map_error=self._map_error, **seam_options)

    def git_username(self) -> str:
        """The user name Argo CD must give git along with the token."""
        return self.settings.username if self.app_password else GIT_USER

    # --- checks ----------------------------------------------------------------------

    def check_identity(self) -> Identity:
        """The token's account; API tokens also list their scopes in x-oauth-scopes [O].

        The username is the login Bitbucket just verified with the secret (email or
        username): /user does not return the email, and its nickname is only a label.
        """
        # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-users/#api-user-get
        response = self.http.request("GET", "/user", what="read the token's account")
        user = self.http.json(response, "read the token's account")
        uuid = user["uuid"]  # every account has one: without it this is not Bitbucket's answer
        name = self.settings.username or user.get("nickname") or uuid
        header = response.headers.get("x-oauth-scopes")
        if header is None:
            return Identity(name, user.get("display_name"), None,
                            f"Bitbucket does not list this {self.credential}'s permissions; "
                            "the repository checks decide.")
        scopes = tuple(scope.strip() for scope in header.split(",") if scope.strip())
        return Identity(name, user.get("display_name"), scopes)

    def check_namespace(self) -> Namespace:
        """The project repositories go to: the one named, else the workspace's oldest."""
        key = self.settings.project_key
        project = self._project(key) if key else self._oldest_project()
        how = "" if key else ", the oldest in the workspace"
        return Namespace(project["uuid"], self.workspace,
                         (project.get("links") or {}).get("html", {}).get("href"),
                         f"repositories go to project {project['key']} ({project['name']}){how}")

    def _project(self, key: str) -> dict:
        what = f"read the project {key} of the workspace {self.workspace}"
        try:
            # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-projects/#api-workspaces-workspace-projects-project-key-get
            response = self.http.request(
                "GET", f"/workspaces/{segment(self.workspace)}/projects/{segment(key)}", what=what)
        except NotFound as error:
            raise NotFound(f"Bitbucket Cloud has no project {key} in the workspace "
                           f"{self.workspace}, or the token cannot see them.", status=404,
                           provider_message=error.provider_message,
                           hint="Check the workspace id and the project key (the short key, "
                                "not the project's name).") from None
        return self.http.json(response, what)

    def _oldest_project(self) -> dict:
        what = f"list the projects of the workspace {self.workspace}"
        try:
            # sort is Bitbucket's generic sorting, not declared for this call (§4b [U]).
            # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-workspaces/#api-workspaces-workspace-projects-get
            response = self.http.request("GET", f"/workspaces/{segment(self.workspace)}/projects",
                                         params={"sort": "created_on", "pagelen": "1"},
                                         what=what)
        except NotFound as error:
            raise NotFound(f"Bitbucket Cloud has no workspace {self.workspace}, or the token "
                           "cannot see it.", status=404, provider_message=error.provider_message,
                           hint="Use the workspace id from the URL bitbucket.org/<id>/.") from None
        values = self.http.json(response, what)["values"]  # a page without values is no page
        if not values:
            raise NotFound(f"The workspace {self.workspace} has no project, and Bitbucket puts "
                           "every repository in one.",
                           hint="Create a project in the workspace, or enter a project key.")
        return values[0]

    # --- repositories ----------------------------------------------------------------

    def ensure_repository(self, name: str) -> Repository:
        """Create an empty private repository, or return the existing one of that slug."""
        full = f"{self.workspace}/{repo_slug(name)}"
        body: dict = {"type": "repository", "name": name, "scm": "git", "is_private": True}
        if self.settings.project_key:  # without one Bitbucket picks the oldest project [P]
            body["project"] = {"type": "project", "key": self.settings.project_key}
        what = f"create the repository {full}"
        try:
            # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/#api-repositories-workspace-repo-slug-post
            response = self.http.request("POST", repo_path(full), json=body, what=what)
        except AlreadyExists:
            return self.get_repository(name)
        return self._repository(self.http.json(response, what), created=True)

    def get_repository(self, name: str) -> Repository:
        """The existing repository of that slug in the workspace."""
        full = f"{self.workspace}/{repo_slug(name)}"
        what = f"read the repository {full}"
        # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/#api-repositories-workspace-repo-slug-get
        response = self.http.request("GET", repo_path(full), what=what)
        return self._repository(self.http.json(response, what))

    def delete_repository(self, repo: Repository) -> None:
        """Delete the repository (needs delete:repository:bitbucket and admin rights)."""
        # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-repositories/#api-repositories-workspace-repo-slug-delete
        self.http.request("DELETE", repo_path(repo.id), ok=(204,),
                          what=f"delete the repository {repo.id}")

    # --- files -----------------------------------------------------------------------

    def read_file(self, repo: Repository, branch: str, path: str) -> bytes:
        """The content of path at branch (Bitbucket accepts a branch name for the commit)."""
        content = self._read_at(repo, branch, path)
        if content is None:
            raise NotFound(f"{path} does not exist on {branch} of {repo.id}.", status=404)
        return content

    # --- translation -----------------------------------------------------------------

    def _repository(self, data: dict, created: bool = False) -> Repository:
        links = data["links"]
        https = next((link["href"] for link in links.get("clone", [])
                      if link.get("name") == "https"), None)
        if https is None:
            raise UnexpectedResponse(f"Bitbucket Cloud gave no HTTPS clone URL for "
                                     f"{data.get('full_name')}.")
        return Repository(name=data["name"], id=data["full_name"],
                          clone_url=without_user_info(https),
                          web_url=links["html"]["href"],
                          default_branch=(data.get("mainbranch") or {}).get("name"),
                          created=created)

    def _map_error(self, response: requests.Response, what: str) -> ProviderError | None:
        """Bitbucket's ways of saying 'already exists', 'wrong credentials', 'missing scope'."""
        status, said = response.status_code, self.http.redact(provider_message(response))
        method, path = response.request.method or "", response.request.path_url
        creates_repository = re.search(r"/repositories/[^/]+/[^/?]+$", path.split("?")[0])
        if status == 400 and method == "POST" and creates_repository:
            if DUPLICATE in said.lower():
                return AlreadyExists(f"A repository of that name already exists ({what}).",
                                     status=status, provider_message=said)
            privilege = any(word in said.lower() for word in ("privilege", "permission"))
            return (PermissionMissing if privilege else UnexpectedResponse)(
                f"Bitbucket Cloud refused to {what} (400): {said}", status=status,
                provider_message=said,
                hint="Bitbucket answers 400 both for invalid input and for an account that may "
                     "not create repositories in the workspace: check the project key and "
                     "your role in the workspace.")
        if status == 401:
            return AuthenticationFailed(
                f"Bitbucket Cloud refused the {self.credential} for {self.settings.username} "
                f"(401) while trying to {what}.", status=status, provider_message=said,
                hint="Check the app password, and that the username is your Bitbucket "
                     "username (not your email). Atlassian is retiring app passwords: prefer "
                     "an API token." if self.app_password else
                     "Check the token, and that the username is your Atlassian account email "
                     "(not your Bitbucket username). A token without Bitbucket scopes is "
                     "refused too.")
        if status == 403:
            scope = _required_scope(response) or _scope_for(method, path)
            name = BITBUCKET_APP_PASSWORD_NAMES.get(scope, scope) if self.app_password else scope
            lacks_scope = "privilege scope" in said.lower()
            return PermissionMissing(
                f"Bitbucket Cloud does not let the {self.credential} {what} (403). Bitbucket "
                f"said: {said}", status=status, provider_message=said,
                missing_scope=name if lacks_scope else None,
                hint=f"Give the {self.credential} the {name} permission." if lacks_scope else
                     f"It needs {name}, and your role must allow it (repository admin to "
                     "create or delete).")
        return None


def _required_scope(response: requests.Response) -> str | None:
    """The scope named in error.detail.required, where Bitbucket sends it (§4g [O])."""
    try:
        required = response.json()["error"]["detail"]["required"]
    except (ValueError, KeyError, TypeError):
        return None
    return required[0] if isinstance(required, list) and required else None


def _scope_for(method: str, path: str) -> str:
    """The API-token scope the official description names for a call (§4g [P])."""
    path = path.split("?")[0]
    if re.search(r"/2\.0/user$", path):
        return "read:user:bitbucket"
    if "/workspaces/" in path:
        return "read:project:bitbucket"
    if "/pullrequests" in path:
        return "read:pullrequest:bitbucket" if method == "GET" else "write:pullrequest:bitbucket"
    if (method, path.endswith("/src")) == ("POST", True) or (
            method == "DELETE" and "/refs/branches/" in path):
        return "write:repository:bitbucket"
    return {"POST": "admin:repository:bitbucket",
            "DELETE": "delete:repository:bitbucket"}.get(method, "read:repository:bitbucket")
