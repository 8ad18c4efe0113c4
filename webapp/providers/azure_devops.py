"""Azure DevOps Services (and Server): the Git repositories of one project, REST API 7.1."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import requests

from webapp.providers.answers import provider_message
from webapp.providers.base import (
    SCOPES_UNKNOWN,
    AlreadyExists,
    AuthenticationFailed,
    Conflict,
    Identity,
    Namespace,
    NotFound,
    PermissionMissing,
    ProviderClient,
    ProviderError,
    ProviderSettings,
    Repository,
    guard_answers,
    without_user_info,
)
from webapp.providers.commits.azure_devops import AzureDevOpsCommits, item_path
from webapp.providers.http import HttpSeam, segment
from webapp.providers.kinds import AZURE_DEVOPS, AZURE_DEVOPS_SCOPE_NAMES
from webapp.providers.reviews.azure_devops import AzureDevOpsReviews
from webapp.providers.snapshots.azure_devops import AzureDevOpsSnapshots

API_VERSION = "7.1"

def api_base(organization_url: str | None) -> str:
    """The organization URL is the API base: dev.azure.com/<org>, <org>.visualstudio.com, or a
    server's collection URL."""
    return (organization_url or "").strip().rstrip("/")


@guard_answers
class AzureDevOpsProvider(AzureDevOpsCommits, AzureDevOpsSnapshots, AzureDevOpsReviews,
                          ProviderClient):
    """One Azure DevOps project reached with a personal access token."""

    kind = AZURE_DEVOPS

    def __init__(self, settings: ProviderSettings, **seam_options) -> None:
        self.settings = settings
        self.project = settings.project or ""
        basic = base64.b64encode(f":{settings.token}".encode()).decode()  # any user name works
        self.http = HttpSeam(
            settings, api_base(settings.organization_url), label=self.label,
            auth_headers={"Authorization": f"Basic {basic}"},
            default_params={"api-version": API_VERSION},
            # Accept JSON, or items answers with the raw file; Suppress asks for a 401 instead
            # of a sign-in page (unconfirmed: a 203 page is handled anyway).
            default_headers={"Accept": "application/json", "X-TFS-FedAuthRedirect": "Suppress"},
            map_error=self._map_error, **seam_options)
        self._listing: list[dict] | None = None  # the project's repositories, read once
        self._missing_project: NotFound | None = None  # check_identity found no project

    # --- checks ----------------------------------------------------------------------

    def check_identity(self) -> Identity:
        """The token opens the project; Azure DevOps tells neither its scopes nor its owner.

        Azure checks the token before the project: a 404 here means the token was accepted
        and the project is missing, which check_namespace then reports.
        """
        try:
            self._repositories()
        except NotFound as missing:
            self._missing_project = missing
        return Identity(self.settings.username or None, scopes=SCOPES_UNKNOWN,
                        scope_note="Azure DevOps does not report a token's scopes (nor, to a "
                                   "Code-only token, its owner); the repository checks decide.")

    def check_namespace(self) -> Namespace:
        """The project exists and the token can list its repositories.

        Reuses check_identity's call. GET _apis/projects/{project} is not worth a call: it
        needs the vso.project scope, which a Code-only token lacks, and proves nothing more.
        """
        project = next((repo["project"] for repo in self._repositories() if repo.get("project")),
                       {"id": self.project, "name": self.project})
        return Namespace(project["id"], project["name"],
                         f"{self.http.base_url}/{segment(self.project)}")

    def _repositories(self) -> list[dict]:
        """The project's repositories: one call proves organization, project and token."""
        if self._missing_project is not None:
            raise self._missing_project
        if self._listing is None:
            # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/repositories/list?view=azure-devops-rest-7.1
            what = f"list the repositories of the project {self.project}"
            try:
                response = self.http.request("GET", self._git("/repositories"), what=what)
            except NotFound as error:
                raise NotFound(
                    f"Azure DevOps has no project {self.project} at {self.http.base_url}, or "
                    "the token cannot see it.", status=error.status,
                    provider_message=error.provider_message,
                    hint="Check the organization URL and the project name (spaces included), "
                         "and that the token's user is a member of the project.") from None
            self._listing = self._json(response, what)["value"]
        return self._listing

    # --- repositories ----------------------------------------------------------------

    def ensure_repository(self, name: str) -> Repository:
        """Create an empty repository (Azure has no auto-init), or return the existing one."""
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/repositories/create?view=azure-devops-rest-7.1
        what = f"create the repository {name} in the project {self.project}"
        try:
            response = self.http.request("POST", self._git("/repositories"), what=what,
                                         ok=(201,), json={"name": name})
        except AlreadyExists:
            try:
                return self.get_repository(name)
            except NotFound:  # taken, yet not listed: a deleted repository keeps its name
                raise AlreadyExists(
                    f"The name {name} belongs to a deleted repository in the recycle bin of "
                    f"the project {self.project}.",
                    hint="Restore it, or delete it for good under Project settings > "
                         "Repositories > Recycle bin.") from None
        return self._repository(self._json(response, what), created=True)

    def get_repository(self, name: str) -> Repository:
        """The existing repository of that name (or GUID) in the project."""
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/repositories/get-repository?view=azure-devops-rest-7.1
        what = f"read the repository {name} of the project {self.project}"
        response = self.http.request("GET", self._git(f"/repositories/{segment(name)}"), what=what)
        return self._repository(self._json(response, what))

    def delete_repository(self, repo: Repository) -> None:
        """Delete the repository, then purge it from the recycle bin so its name is free."""
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/repositories/delete?view=azure-devops-rest-7.1
        self.http.request("DELETE", self._git(f"/repositories/{segment(repo.id)}"), ok=(200, 204),
                          what=f"delete the repository {repo.name}")
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/repositories/delete-repository-from-recycle-bin?view=azure-devops-rest-7.1
        self.http.request("DELETE", self._git(f"/recycleBin/repositories/{segment(repo.id)}"),
                          ok=(200, 204),
                          what=f"purge the deleted repository {repo.name} from the recycle bin")

    # --- files -----------------------------------------------------------------------

    def read_file(self, repo: Repository, branch: str, path: str) -> bytes:
        """The content of path at branch."""
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/items/get?view=azure-devops-rest-7.1
        what = f"read {path} on {branch} of {repo.name}"
        response = self.http.request(
            "GET", self._git(f"/repositories/{segment(repo.id)}/items"), what=what,
            params={"path": item_path(path), "versionDescriptor.version": branch,
                    "versionDescriptor.versionType": "branch", "includeContent": "true"})
        item = self._json(response, what)
        if item.get("isFolder") or not isinstance(item.get("content"), str):
            raise NotFound(f"{path} on {branch} of {repo.name} is not a file.")
        return item["content"].encode("utf-8")

    # --- translation -----------------------------------------------------------------

    def _git(self, path: str) -> str:
        return f"/{segment(self.project)}/_apis/git{path}"

    def _repository(self, data: dict, created: bool = False) -> Repository:
        clone = without_user_info(data["remoteUrl"])
        default = data.get("defaultBranch")  # absent until the first push
        return Repository(name=data["name"], id=data["id"], clone_url=clone,
                          web_url=data.get("webUrl") or clone,
                          default_branch=default.removeprefix("refs/heads/") if default else None,
                          created=created)

    def _json(self, response: requests.Response, what: str):
        """The JSON body; an HTML page where data was expected is the sign-in page."""
        if "html" in response.headers.get("Content-Type", "").lower():
            raise _signed_out(what, response.status_code)
        return self.http.json(response, what)

    def _map_error(self, response: requests.Response, what: str) -> ProviderError | None:
        """Azure DevOps' ways of saying 'wrong token', 'name taken', 'branch moved', 'no scope'."""
        status = response.status_code
        said = self.http.redact(provider_message(response))
        if status == 203:  # an invalid PAT on GET/POST: a sign-in page, not a 401
            return _signed_out(what, status)
        if status == 409 and "TF400948" in said:
            return AlreadyExists(f"A repository of that name already exists ({what}).",
                                 status=status, provider_message=said)
        if status == 409 and "TF401179" in said:  # an active pull request for the branches
            return AlreadyExists(f"An active pull request for those branches already exists "
                                 f"({what}).", status=status, provider_message=said)
        if status == 409 and "TF401028" in said:
            return Conflict(f"Someone else pushed first while trying to {what}; nothing was "
                            "overwritten.", status=status, provider_message=said,
                            hint="Try again: the next attempt starts from the new tip.")
        if status == 403:
            scope = _scope_needed(response.request)
            return PermissionMissing(
                f"Azure DevOps does not let the token {what} (403). It needs the "
                f"{AZURE_DEVOPS_SCOPE_NAMES[scope]} scope ({scope}), and your account the "
                f"matching Git permission. Azure DevOps said: {said}", status=status,
                missing_scope=scope, provider_message=said,
                hint="Edit the token's scopes under User settings > Personal access tokens, "
                     "or ask a project administrator for the Git permission.")
        return None


def _signed_out(what: str, status: int) -> AuthenticationFailed:
    return AuthenticationFailed(
        f"Azure DevOps answered '{what}' with a sign-in page: it did not accept the token.",
        status=status,
        hint="Check that the token is correct, not expired and not revoked, and that it was "
             "made for this organization.")


def _scope_needed(request: requests.PreparedRequest) -> str:
    """The scope the refused call needs (the spec's security section of each operation)."""
    path = urlsplit(request.url).path
    if request.method == "DELETE" or (request.method == "POST"
                                      and path.endswith("/_apis/git/repositories")):
        return "vso.code_manage"
    # Pushes, pull requests and ref updates write (vso.code_write); the rest reads.
    return "vso.code_write" if request.method in ("POST", "PATCH") else "vso.code"
