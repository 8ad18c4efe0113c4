"""GitLab (gitlab.com and self-managed), through the REST API v4."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import requests

from webapp.providers.answers import provider_message
from webapp.providers.base import (
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
    UnexpectedResponse,
    guard_answers,
)
from webapp.providers.commits.gitlab import GitLabCommits
from webapp.providers.http import HttpSeam, segment
from webapp.providers.kinds import GITLAB
from webapp.providers.reviews.gitlab import GitLabReviews
from webapp.providers.snapshots.gitlab import GitLabSnapshots

PUBLIC_HOST = "https://gitlab.com"
REPOSITORY_DESCRIPTION = "Desired state managed by GitOps Console"


def api_base(host: str | None) -> str:
    """<host>/api/v4, for gitlab.com and self-managed alike (a path prefix is kept)."""
    host = (host or PUBLIC_HOST).rstrip("/")
    return host if host.endswith("/api/v4") else f"{host}/api/v4"


@guard_answers
class GitLabProvider(GitLabCommits, GitLabSnapshots, GitLabReviews, ProviderClient):
    """A GitLab group (or subgroup) reached with a personal access token."""

    kind = GITLAB

    def __init__(self, settings: ProviderSettings, **seam_options) -> None:
        self.settings = settings
        self.group_ref = (settings.group_id or "").strip().strip("/")
        self._group: tuple[int, str] | None = None  # (id, full_path), looked up once
        self._full_paths: dict[str, str] = {}       # project id -> path_with_namespace
        # Reference: https://docs.gitlab.com/api/rest/authentication/#personalprojectgroup-access-tokens
        self.http = HttpSeam(settings, api_base(settings.host), label=self.label,
                             auth_headers={"PRIVATE-TOKEN": settings.token},
                             default_headers={"Accept": "application/json"},
                             map_error=self._map_error, **seam_options)

    # --- checks ----------------------------------------------------------------------

    def check_identity(self) -> Identity:
        """The token's user, and the scopes GitLab lists for the token itself."""
        # Reference: https://docs.gitlab.com/api/users/#get-the-current-user
        what = "read the token's user"
        user = self.http.json(self.http.request("GET", "/user", what=what), what)
        # Reference: https://docs.gitlab.com/api/personal_access_tokens/#get-details-on-a-personal-access-token
        what = "read the token's scopes"
        try:
            response = self.http.request("GET", "/personal_access_tokens/self", what=what)
        except NotFound:  # GitLab before 15.5 has no such route
            return Identity(user["username"], user.get("name"), None,
                            "This GitLab (before 15.5) does not list a token's scopes; "
                            "the project checks decide.")
        token = self.http.json(response, what)
        return Identity(user["username"], user.get("name"), tuple(token["scopes"]),
                        token_expires_at=token_expiry(token.get("expires_at")))

    def check_namespace(self) -> Namespace:
        """The group exists and the token can see it; remembered for later calls."""
        # Reference: https://docs.gitlab.com/api/groups/#get-a-single-group
        what = f"read the group {self.group_ref}"
        try:
            response = self.http.request("GET", f"/groups/{segment(self.group_ref)}",
                                         params={"with_projects": "false"}, what=what)
        except NotFound as error:
            raise NotFound(f"GitLab has no group {self.group_ref}, or the token cannot see it.",
                           status=404, provider_message=error.provider_message,
                           hint="Check the group id or full path (a subgroup is parent/child) "
                                "and that your user is a member.") from None
        group = self.http.json(response, what)
        self._group = (group["id"], group["full_path"])
        return Namespace(str(group["id"]), group["full_path"], group.get("web_url"))

    # --- repositories ----------------------------------------------------------------

    def ensure_repository(self, name: str) -> Repository:
        """Create a private project with a README on main, or return the existing one."""
        group_id, group_path = self._group_info()
        # Reference: https://docs.gitlab.com/api/projects/#create-a-project
        what = f"create the project {group_path}/{name}"
        try:
            # The README gives the project its main branch, so every commit has a parent.
            response = self.http.request(
                "POST", "/projects", ok=(201,), what=what,
                json={"name": name, "path": name, "namespace_id": group_id,
                      "visibility": "private", "initialize_with_readme": True,
                      "default_branch": "main", "description": REPOSITORY_DESCRIPTION})
        except (AlreadyExists, Conflict):  # 400 "has already been taken" (seen), 409 (docs)
            project = self._project(f"{group_path}/{name}")
            if project.get("marked_for_deletion_on"):
                raise AlreadyExists(
                    f"The project {project['path_with_namespace']} is scheduled for deletion "
                    f"on {project['marked_for_deletion_on']}; its path stays taken until then.",
                    hint="Restore or permanently delete it in GitLab, or choose another "
                         "name.") from None
            return self._repository(project)
        return self._repository(self.http.json(response, what), created=True)

    def get_repository(self, name: str) -> Repository:
        """The existing project of that name in the group."""
        return self._repository(self._project(f"{self._group_info()[1]}/{name}"))

    def delete_repository(self, repo: Repository) -> None:
        """Delete the project, and purge it where GitLab only marks it for deletion.

        Two calls on every tier: GitLab does not say whether the first DELETE deleted or
        only marked, and a marked project keeps its path taken for days. The purge of a
        project already gone answers 404 or 400 "must be marked for deletion first".
        """
        full_path = (self._full_paths.get(repo.id)
                     or self._project(repo.id)["path_with_namespace"])
        # Reference: https://docs.gitlab.com/api/projects/#delete-a-project
        try:
            self.http.request("DELETE", f"/projects/{segment(repo.id)}", ok=(202, 204),
                              what=f"delete the project {full_path}")
        except UnexpectedResponse as error:
            if "marked for deletion" not in error.provider_message:
                raise  # otherwise already marked by an earlier attempt: purge it below
        try:
            self.http.request(
                "DELETE", f"/projects/{segment(repo.id)}", ok=(202, 204),
                params={"permanently_remove": "true", "full_path": full_path},
                what=f"permanently remove the project {full_path} (scheduled for deletion, "
                     "its path stays taken until it is removed)")
        except NotFound:
            pass  # deleted at once: this GitLab does not delay deletion
        except UnexpectedResponse as error:
            if "marked for deletion first" not in error.provider_message:
                raise
        self._full_paths.pop(repo.id, None)

    # --- files -----------------------------------------------------------------------

    def read_file(self, repo: Repository, branch: str, path: str) -> bytes:
        """The raw content of path at branch."""
        # Reference: https://docs.gitlab.com/api/repository_files/#get-raw-file-from-repository
        return self.http.request(
            "GET", f"/projects/{segment(repo.id)}/repository/files/{segment(path)}/raw",
            params={"ref": branch}, what=f"read {path} on {branch} of {repo.name}").content

    # --- lookups and translation -----------------------------------------------------

    def _group_info(self) -> tuple[int, str]:
        """The group's (id, full_path), looked up at most once per instance."""
        if self._group is None:
            self.check_namespace()
        return self._group

    def _project(self, ref: str) -> dict:
        """A project by numeric id or full path."""
        # Reference: https://docs.gitlab.com/api/projects/#get-a-single-project
        what = f"read the project {ref}"
        response = self.http.request("GET", f"/projects/{segment(ref)}", what=what)
        return self.http.json(response, what)

    def _repository(self, data: dict, created: bool = False) -> Repository:
        project_id = str(data["id"])
        self._full_paths[project_id] = data["path_with_namespace"]
        return Repository(name=data["path"], id=project_id, clone_url=data["http_url_to_repo"],
                          web_url=data["web_url"], default_branch=data.get("default_branch"),
                          created=created)

    def _map_error(self, response: requests.Response, what: str) -> ProviderError | None:
        """GitLab's own ways of saying 'already taken', 'wrong token' and 'missing scope'."""
        status = response.status_code
        said = self.http.redact(provider_message(response))
        body = _json(response)
        if status == 400 and _taken(body):
            return AlreadyExists(f"A project of that name already exists ({what}).",
                                 status=status, provider_message=said)
        if status == 409 and "already exists" in said:  # "Another open merge request ..."
            return AlreadyExists(f"An open merge request for that branch already exists "
                                 f"({what}).", status=status, provider_message=said)
        if status == 401:
            return AuthenticationFailed(
                f"GitLab refused the token while trying to {what}: {said or '401 Unauthorized'}.",
                status=status, provider_message=said,
                hint="Check that the token is correct, not expired and not revoked.")
        if status == 403 and body.get("error") == "insufficient_scope":
            accepted = str(body.get("scope") or "").split()
            missing = accepted[0] if accepted else None
            scope_text = f" It needs the {' or '.join(accepted)} scope." if accepted else ""
            return PermissionMissing(
                f"The token may not {what}.{scope_text}", status=status,
                missing_scope=missing, provider_message=said,
                hint=f"Add the {missing} scope to the token." if missing else
                     "Give the token the api scope.")
        return None


def token_expiry(expires_at: str | None) -> datetime | None:
    """A token's expires_at date (null: never, §2j [P]) as the moment it stops working:
    "Personal access tokens expire on the date you define, at midnight, 00:00 AM UTC"
    (GitLab docs, user/profile/personal_access_tokens.md)."""
    if not expires_at:
        return None
    return datetime.combine(date.fromisoformat(expires_at[:10]), time.min, UTC)


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {}


def _taken(body: dict) -> bool:
    """{"message": {"name": ["has already been taken"], "path": [...]}}."""
    message = body.get("message")
    return isinstance(message, dict) and any(
        "has already been taken" in str(problems) for problems in message.values())
