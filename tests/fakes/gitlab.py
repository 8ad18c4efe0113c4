"""A GitLab simulator: users, scoped tokens, groups and subgroups, projects with git.

Quirks kept from the real service (PROVIDER-APIS.md §2): a taken project path is 400
{"message": {"name": ["has already been taken"], ...}}; a missing scope is 403
insufficient_scope naming the scopes the route accepts; DELETE answers 202 and, with
delayed deletion (Premium/Ultimate), only marks the project, whose path stays taken until
a second DELETE with permanently_remove and full_path purges it; a 429 is plain text.
Commits and files, with their own quirks, are in gitlab_repository.py; merge requests,
branch deletion and the tree in gitlab_reviews.py. A token's expires_at is a date, or
null for a token without expiry (§2j [P]).
Path parameters arrive raw (platform%2Fapps, chart%2Fvalues.yaml) and are unquoted here.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import unquote

from tests.contracts.gitlab import CONTRACT
from tests.fakes.git import GitRepo
from tests.fakes.gitlab_repository import GitLabRepository, message
from tests.fakes.gitlab_reviews import GitLabReviews
from tests.fakes.harness import Harness
from tests.fakes.simulator import Fault, Reply, SimRequest, Simulator, handles
from webapp.providers.base import ProviderSettings
from webapp.providers.gitlab import GitLabProvider

GOOD_TOKEN = "glpat-SimGoodToken00000000001"         # jane.doe (owner): api, write_repository
NEVER_EXPIRES_TOKEN = "glpat-SimNoExpiry0000000004"   # jane.doe: api, expires_at null
EXPIRES_AT = "2027-01-05"  # every other token's expires_at
READ_API_TOKEN = "glpat-SimReadApiOnly0000002"       # jane.doe: read_api, may not create
MAINTAINER_TOKEN = "glpat-SimMaintainer00000003"     # max.maintainer: api, may not delete
WRONG_TOKEN = "glpat-SimWrongToken000000009"
OWNER, MAINTAINER, REPORTER = 50, 40, 20  # access levels (DEVELOPER is 30)
INSUFFICIENT = "The request requires higher privileges than provided by the access token."


@dataclass
class Token:
    username: str
    scopes: tuple[str, ...]
    id: int = 0
    expires_at: str | None = EXPIRES_AT


@dataclass
class Group:
    id: int
    name: str
    path: str
    parent: int | None = None
    members: dict[str, int] = field(default_factory=dict)  # username -> access level


@dataclass
class Project:
    id: int
    name: str
    path: str
    group: int
    git: GitRepo = field(default_factory=GitRepo)
    marked_on: str | None = None  # marked for deletion, to be removed on this date


class GitLabSimulator(GitLabRepository, GitLabReviews, Simulator):
    contract = CONTRACT
    prefix = "/api/v4"
    label = "GitLab"

    def __init__(self, delayed_deletion: bool = True) -> None:
        super().__init__()
        # Premium/Ultimate (and gitlab.com) mark a deleted project and remove it later.
        self.delayed_deletion = delayed_deletion
        self.users = {"jane.doe": (7, "Jane Doe"), "max.maintainer": (8, "Max Maintainer")}
        self.tokens = {GOOD_TOKEN: Token("jane.doe", ("api", "write_repository"), 101),
                       READ_API_TOKEN: Token("jane.doe", ("read_api",), 102),
                       MAINTAINER_TOKEN: Token("max.maintainer", ("api", "write_repository"),
                                               103),
                       NEVER_EXPIRES_TOKEN: Token("jane.doe", ("api",), 104, None)}
        self.groups = {42: Group(42, "Platform", "platform", members={"jane.doe": OWNER}),
                       43: Group(43, "Apps", "apps", parent=42,
                                 members={"max.maintainer": MAINTAINER})}
        self.projects: dict[int, Project] = {}
        self._ids = itertools.count(1000)
        # Run before an operation's handler: a test's concurrent writer, say.
        self.before: dict[str, Callable[[], None]] = {}

    def fault(self, operation: str, **kwargs) -> Fault:
        """As Simulator.fault; a str or bytes body is sent raw (GitLab's 429 'Retry later')."""
        if isinstance(kwargs.get("body"), str | bytes) and kwargs.get("raw") is None:
            kwargs["raw"] = kwargs.pop("body")
        return super().fault(operation, **kwargs)

    # --- state helpers for tests -----------------------------------------------------

    def full_path(self, group_id: int) -> str:
        group = self.groups[group_id]
        if group.parent is None:
            return group.path
        return f"{self.full_path(group.parent)}/{group.path}"

    def project_at(self, full_path: str) -> Project | None:
        return next((p for p in self.projects.values()
                     if f"{self.full_path(p.group)}/{p.path}".lower() == full_path.lower()),
                    None)

    # --- auth and access -------------------------------------------------------------

    def authenticate(self, request: SimRequest) -> Token:
        token = request.headers.get("PRIVATE-TOKEN")
        scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
        found = self.tokens.get(token or (bearer if scheme.lower() == "bearer" else ""))
        if found is None:
            raise message(401, "401 Unauthorized")
        if request.method == "GET" and {"api", "read_api"}.isdisjoint(found.scopes):
            raise self._insufficient("api read_api")
        if request.method != "GET" and "api" not in found.scopes:
            raise self._insufficient("api")
        return found

    def _insufficient(self, scope: str) -> Reply:
        header = (f'Bearer realm="", error="insufficient_scope", '
                  f'error_description="{INSUFFICIENT}", scope="{scope}"')
        return Reply(403, {"error": "insufficient_scope", "error_description": INSUFFICIENT,
                           "scope": scope}, headers={"WWW-Authenticate": header})

    def _role(self, username: str, group_id: int | None) -> int:
        """The user's access level in a group, inherited from its ancestors."""
        level = 0
        while group_id is not None:
            group = self.groups[group_id]
            level = max(level, group.members.get(username, 0))
            group_id = group.parent
        return level

    def _group(self, token: Token, ref: str) -> Group:
        ref = unquote(ref)
        found = (self.groups.get(int(ref)) if ref.isdigit() else
                 next((g for g in self.groups.values()
                       if self.full_path(g.id).lower() == ref.lower()), None))
        if found is None or not self._role(token.username, found.id):
            raise message(404, "404 Group Not Found")
        return found

    def _project(self, token: Token, ref: str, role: int = REPORTER) -> Project:
        ref = unquote(ref)
        found = self.projects.get(int(ref)) if ref.isdigit() else self.project_at(ref)
        level = self._role(token.username, found.group) if found else 0
        if not level:
            raise message(404, "404 Project Not Found")
        if level < role:
            raise message(403, "403 Forbidden")
        return found

    # --- JSON --------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"RateLimit-Name": "throttle_authenticated_api", "RateLimit-Limit": "2000",
                "RateLimit-Observed": "3", "RateLimit-Remaining": "1997",
                "RateLimit-Reset": str(int(time.time()) + 60)}

    def _group_json(self, group: Group) -> dict:
        full = self.full_path(group.id)
        return {"id": group.id, "name": group.name, "path": group.path, "full_path": full,
                "web_url": f"{self.url}/groups/{full}", "visibility": "private"}

    def _project_json(self, project: Project) -> dict:
        group_path = self.full_path(project.group)
        full = f"{group_path}/{project.path}"
        body = {"id": project.id, "name": project.name, "path": project.path,
                "path_with_namespace": full, "visibility": "private",
                "web_url": f"{self.url}/{full}", "http_url_to_repo": f"{self.url}/{full}.git",
                "ssh_url_to_repo": f"git@127.0.0.1:{full}.git",
                "namespace": {"id": project.group, "name": self.groups[project.group].name,
                              "path": self.groups[project.group].path, "kind": "group",
                              "full_path": group_path}}
        if project.git.default_branch:  # null while the repository is empty
            body["default_branch"] = project.git.default_branch
        if project.marked_on:
            body["marked_for_deletion_on"] = project.marked_on
        return body

    # --- operations ------------------------------------------------------------------

    @handles("get_user")
    def get_user(self, request: SimRequest) -> Reply:
        username = request.principal.username
        user_id, name = self.users[username]
        return Reply(200, {"id": user_id, "username": username, "name": name,
                           "state": "active", "web_url": f"{self.url}/{username}"},
                     headers=self._headers())

    @handles("get_token_self")
    def get_token_self(self, request: SimRequest) -> Reply:
        token = request.principal
        return Reply(200, {"id": token.id, "name": "gitops-console", "revoked": False,
                           "created_at": "2026-01-05T10:00:00.000Z", "scopes": list(token.scopes),
                           "user_id": self.users[token.username][0], "active": True,
                           "expires_at": token.expires_at}, headers=self._headers())

    @handles("get_group")
    def get_group(self, request: SimRequest, id: str) -> Reply:
        return Reply(200, self._group_json(self._group(request.principal, id)),
                     headers=self._headers())

    @handles("create_project")
    def create_project(self, request: SimRequest) -> Reply:
        token, body = request.principal, request.json
        group = self.groups.get(body["namespace_id"])
        if group is None or self._role(token.username, group.id) < MAINTAINER:
            raise message(400, {"namespace": ["is not valid"]})
        taken = [p for p in self.projects.values() if p.group == group.id
                 and body["path"].lower() in (p.path.lower(), p.name.lower())]
        if taken:
            raise message(400, {"name": ["has already been taken"],
                                "path": ["has already been taken"],
                                "project_namespace.name": ["has already been taken"]})
        project = Project(next(self._ids), body["name"], body["path"], group.id)
        if body.get("initialize_with_readme"):
            branch = body.get("default_branch") or "main"
            project.git.commit_on(branch, {"README.md": f"# {body['name']}\n".encode()},
                                  "Initial commit", *self._author(token))
        self.projects[project.id] = project
        return Reply(201, self._project_json(project), headers=self._headers())

    @handles("get_project")
    def get_project(self, request: SimRequest, id: str) -> Reply:
        return Reply(200, self._project_json(self._project(request.principal, id)),
                     headers=self._headers())

    @handles("delete_project")
    def delete_project(self, request: SimRequest, id: str) -> Reply:
        self._run_before("delete_project")
        project = self._project(request.principal, id, role=OWNER)
        purge = request.query.get("permanently_remove") in ("true", "1")
        if self.delayed_deletion and purge:
            if not project.marked_on:
                raise message(400, "Project must be marked for deletion first.")
            if request.query.get("full_path") != self._project_json(project)[
                    "path_with_namespace"]:
                raise message(400, "`full_path` is incorrect. You must enter the complete "
                                   "path for the project.")
        elif self.delayed_deletion:
            if project.marked_on:
                raise message(400, "Project has already been marked for deletion")
            project.marked_on = (date.today() + timedelta(days=7)).isoformat()
            return Reply(202, {"message": "202 Accepted"}, headers=self._headers())
        del self.projects[project.id]
        return Reply(202, {"message": "202 Accepted"}, headers=self._headers())

    # --- helpers -----------------------------------------------------------------------

    def _run_before(self, operation: str) -> None:
        if operation in self.before:
            self.before[operation]()

    def _author(self, token: Token) -> tuple[str, str]:
        return self.users[token.username][1], f"{token.username}@example.com"


def _settings(sim: GitLabSimulator, **overrides) -> ProviderSettings:
    values = {"allow_private_hosts": True,  # simulators listen on 127.0.0.1
              "kind": "gitlab", "host": sim.url, "group_id": "platform/apps",
              "username": "jane.doe", "token": GOOD_TOKEN, **overrides}
    return ProviderSettings(**values)


def _git(sim: GitLabSimulator, name: str) -> GitRepo | None:
    found = sim.project_at(f"platform/apps/{name}")
    return found.git if found else None


HARNESS = Harness(
    kind="gitlab",
    simulator=GitLabSimulator,
    provider=GitLabProvider,
    settings=_settings,
    git=_git,
    operations={"identity": "get_user", "namespace": "get_group", "create": "create_project",
                "commit": "create_commit", "read": "get_file_raw", "delete": "delete_project",
                "branch": "get_file",
                "open_request": "create_merge_request", "close_request": "update_merge_request"},
    tokens={"good": GOOD_TOKEN, "wrong": WRONG_TOKEN, "no_delete": MAINTAINER_TOKEN,
            "no_create": READ_API_TOKEN},
    unknown_namespace={"group_id": "no-such-group"},
    error_body=lambda status, text: "Retry later\n" if status == 429 else {"message": text},
    initial_files={"README.md"},
)
