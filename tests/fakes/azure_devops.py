"""An Azure DevOps Services simulator: one organization, projects, PATs with scopes, Git repos.

Quirks kept from the real service (PROVIDER-APIS.md §3): an invalid PAT gets 203 and an
HTML sign-in page on GET and POST (401 TF400813 otherwise), and X-TFS-FedAuthRedirect does
not change that (unconfirmed that it would); every call needs api-version (400 without
it; the real service only insists on writes [U]); lists come as {count, value}; a taken
name is 409 TF400948; create is 201, push 201, delete 204; a deleted repository goes to
the recycle bin and keeps its name until purged (whether the real bin blocks the name is
[U]: assumed, the stricter case); remoteUrl carries "org@" user info [U]; refs' filter is a
prefix; a push whose oldObjectId is not the branch's tip is 409 TF401028 [U]; a new
branch's oldObjectId names the commit it starts from (recorded example pushes8); blob
object ids are real git blob ids. Messages marked [U] in the contract are our best guess.
Pull requests and ref updates are in azure_reviews.py.
"""

from __future__ import annotations

import base64
import itertools
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from tests.contracts.azure_devops import CONTRACT
from tests.fakes.azure_answers import answer, error, listed
from tests.fakes.azure_reviews import AzureDevOpsReviews
from tests.fakes.git import ZERO_SHA, Commit, GitRepo, blob_id, tree_id
from tests.fakes.harness import Harness
from tests.fakes.simulator import Reply, SimRequest, Simulator, handles
from webapp.providers.azure_devops import AzureDevOpsProvider
from webapp.providers.base import ProviderSettings

ORGANIZATION = "acme"
PROJECT = "Fabrikam Fiber"  # the harness's project: a space in its name
OTHER_PROJECT = "Fabrikam-Fiber-Git"
GOOD_TOKEN = "simgoodtokencodemanage0000000000000000000000000000001"    # vso.code_manage
WRITE_TOKEN = "simwritetokencodewrite000000000000000000000000000000002"  # vso.code_write
READ_TOKEN = "simreadtokencoderead00000000000000000000000000000000003"   # vso.code
PROJECT_TOKEN = "simprojecttokenvsoproject000000000000000000000000000004"  # vso.project
WRONG_TOKEN = "simwrongtoken00000000000000000000000000000000000000009"
API_VERSIONS = {"7.1", "7.1-preview", "7.1-preview.1", "7.1-preview.2"}
# Broader scopes include narrower ones.
SCOPE_INCLUDES = {"vso.code_manage": {"vso.code_manage", "vso.code_write", "vso.code"},
                  "vso.code_write": {"vso.code_write", "vso.code"},
                  "vso.code": {"vso.code"}, "vso.project": {"vso.project"}}
SIGN_IN_PAGE = """<!DOCTYPE html>
<html lang="en-US"><head><title>Azure DevOps Services | Sign In</title></head>
<body><form id="signInForm" action="https://app.vssps.visualstudio.com/_signin">
<p>Sign in to continue to Azure DevOps</p></form></body></html>
"""
# The swagger declares Change.item as a string of format "T" (the generic parameter of
# Change<T>); the wire and every recorded example carry an object {"path": ...}. Until
# tests/contracts/official.py reads format "T" as any type, this one artifact is not a
# violation.

@dataclass
class Principal:
    name: str
    email: str
    scopes: frozenset[str]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def may(self, scope: str) -> bool:
        return any(scope in SCOPE_INCLUDES[granted] for granted in self.scopes)


@dataclass
class Project:
    id: str
    name: str


@dataclass
class Repo:
    id: str
    name: str
    project: Project
    git: GitRepo = field(default_factory=GitRepo)
    deleted: float | None = None  # when it went to the recycle bin


class AzureDevOpsSimulator(AzureDevOpsReviews, Simulator):
    contract = CONTRACT
    prefix = ""  # the organization is the first path segment
    label = "Azure DevOps"

    def __init__(self) -> None:
        super().__init__()
        self.tokens = {
            GOOD_TOKEN: Principal("Jane Doe", "jane@example.com", frozenset({"vso.code_manage"})),
            WRITE_TOKEN: Principal("Jane Doe", "jane@example.com", frozenset({"vso.code_write"})),
            READ_TOKEN: Principal("Jane Doe", "jane@example.com", frozenset({"vso.code"})),
            PROJECT_TOKEN: Principal("Jane Doe", "jane@example.com",
                                     frozenset({"vso.project"})),
        }
        self.projects = {name.lower(): Project(str(uuid.uuid4()), name)
                         for name in (PROJECT, OTHER_PROJECT)}
        self.repos: dict[str, Repo] = {}  # by GUID, live and in the recycle bin
        for project in self.projects.values():  # a new project has a repository of its name
            self.add_repo(project.name, project.name)
        self._push_ids = itertools.count(80)
        self._pull_ids = itertools.count(21)  # unique across the organization

    # --- state helpers for tests -----------------------------------------------------

    def add_repo(self, project: str, name: str) -> Repo:
        """A new empty repository, made directly."""
        repo = Repo(str(uuid.uuid4()), name, self.projects[project.lower()])
        self.repos[repo.id] = repo
        return repo

    def repo(self, project: str, name: str) -> Repo | None:
        """The live repository of that name."""
        return next((repo for repo in self.repos.values() if repo.deleted is None
                     and repo.project.name == project and repo.name.lower() == name.lower()),
                    None)

    def recycle_bin(self, project: str = PROJECT) -> list[Repo]:
        return [repo for repo in self.repos.values()
                if repo.deleted is not None and repo.project.name == project]

    # --- routing, checks, auth -------------------------------------------------------

    def authenticate(self, request: SimRequest) -> Principal:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        token = None
        if scheme.lower() == "basic":
            try:
                token = base64.b64decode(encoded).decode().partition(":")[2]
            except ValueError:
                token = None
        principal = self.tokens.get(token)
        if principal is None:
            if request.method in ("GET", "POST"):
                raise Reply(203, raw=SIGN_IN_PAGE, content_type="text/html; charset=utf-8")
            raise error(401, "TF400813: The user '' is not authorized to access this resource.",
                        "UnauthorizedRequestException", "Microsoft.TeamFoundation.Framework.Server")
        version = request.query.get("api-version")
        if version is None:
            raise error(400, f'No api-version was supplied for the "{request.method}" request. '
                             "The version must be supplied either as part of the Accept header "
                             '(e.g. "application/json; api-version=1.0") or as a query parameter '
                             "(e.g. '?api-version=1.0').", "VssVersionNotSpecifiedException",
                        "Microsoft.VisualStudio.Services.WebApi")
        if version not in API_VERSIONS:
            raise error(400, f"The requested REST API version of {version} is out of range for "
                             "this server. The latest REST API version this server supports is "
                             "7.1.", "VssVersionOutOfRangeException",
                        "Microsoft.VisualStudio.Services.WebApi")
        return principal

    def _project(self, organization: str, project: str) -> Project:
        name = unquote(project)
        if unquote(organization).lower() != ORGANIZATION:
            raise error(404, f"The organization {unquote(organization)} could not be found.",
                        "OrganizationNotFoundException", "Microsoft.VisualStudio.Services")
        found = self.projects.get(name.lower()) or next(
            (p for p in self.projects.values() if p.id == name.lower()), None)
        if found is None:
            raise error(404, f"TF200016: The following project does not exist: {name}. Verify "
                             "that the name of the project is correct and that the project "
                             "exists on the specified Azure DevOps Server.",
                        "ProjectDoesNotExistWithNameException",
                        "Microsoft.TeamFoundation.Core.WebApi")
        return found

    def _repo(self, request: SimRequest, organization: str, project: str, id_or_name: str,
              scope: str = "vso.code", permission: str = "GenericRead",
              by_name: bool = True, deleted: bool = False) -> Repo:
        found_project = self._project(organization, project)
        key = unquote(id_or_name).lower()
        repo = next((repo for repo in self.repos.values()
                     if repo.project is found_project and (repo.deleted is not None) == deleted
                     and (repo.id == key or (by_name and repo.name.lower() == key))), None)
        if repo is None:
            raise error(404, f"TF401019: The Git repository with name or identifier "
                             f"{unquote(id_or_name)} does not exist or you do not have "
                             "permissions for the operation you are attempting.",
                        "GitRepositoryNotFoundException")
        self._need(request, scope, permission)
        return repo

    def _need(self, request: SimRequest, scope: str, permission: str) -> None:
        if not request.principal.may(scope):
            raise error(403, f"TF401027: You need the Git '{permission}' permission to perform "
                             f"this action. Details: identity '{request.principal.name}', "
                             "scope 'repository'.", "GitNeedsPermissionException")

    # --- JSON of resources -----------------------------------------------------------

    def _repo_json(self, repo: Repo) -> dict:
        org_url = f"{self.url}/{ORGANIZATION}"
        web = f"{org_url}/{quote(repo.project.name)}/_git/{quote(repo.name)}"
        scheme, _, rest = web.partition("://")
        body = {"id": repo.id, "name": repo.name,
                "url": f"{org_url}/{repo.project.id}/_apis/git/repositories/{repo.id}",
                "project": {"id": repo.project.id, "name": repo.project.name,
                            "url": f"{org_url}/_apis/projects/{repo.project.id}",
                            "state": "wellFormed", "revision": 11, "visibility": "private",
                            "lastUpdateTime": "2026-01-05T09:30:00.000Z"},
                "size": sum(len(c) for c in repo.git.blobs.values()),
                "remoteUrl": f"{scheme}://{ORGANIZATION}@{rest}",
                "sshUrl": f"git@ssh.dev.azure.com:v3/{ORGANIZATION}/{quote(repo.project.name)}"
                          f"/{quote(repo.name)}",
                "webUrl": web, "isDisabled": False, "isInMaintenance": False}
        if repo.git.default_branch:  # absent until the first push
            body["defaultBranch"] = f"refs/heads/{repo.git.default_branch}"
        return body

    def _identity(self, principal: Principal) -> dict:
        return {"id": principal.id, "displayName": principal.name,
                "uniqueName": principal.email,
                "url": f"{self.url}/{ORGANIZATION}/_apis/Identities/{principal.id}"}

    def _items_url(self, repo: Repo, path: str) -> str:
        return (f"{self.url}/{ORGANIZATION}/{repo.project.id}/_apis/git/repositories/{repo.id}"
                f"/items?path={quote(path)}&versionType=Branch&versionOptions=None")

    def _item(self, repo: Repo, commit: Commit, path: str) -> dict | None:
        """The GitItem at path in commit: a blob, a folder (tree) or None."""
        if path in ("", "/"):
            files, path = commit.files, "/"
        elif path.lstrip("/") in commit.files:
            content = commit.files[path.lstrip("/")]
            return {"objectId": blob_id(content), "gitObjectType": "blob",
                    "commitId": commit.sha, "path": path, "url": self._items_url(repo, path)}
        else:
            prefix = path.strip("/") + "/"
            files = {name[len(prefix):]: content for name, content in commit.files.items()
                     if name.startswith(prefix)}
            if not files:
                return None
        return {"objectId": tree_id(files), "gitObjectType": "tree", "commitId": commit.sha,
                "path": path, "isFolder": True, "url": self._items_url(repo, path)}

    def _version(self, repo: Repo, request: SimRequest) -> Commit:
        """The commit the versionDescriptor names (default: the default branch)."""
        version = request.query.get("versionDescriptor.version") or repo.git.default_branch
        kind = request.query.get("versionDescriptor.versionType", "branch").lower()
        sha = repo.git.branches.get(version or "") if kind == "branch" else version
        if sha not in repo.git.commits:
            raise error(404, f"TF401175: The version descriptor <{kind.title()}: {version} > "
                             f"could not be resolved to a version in the repository {repo.name}",
                        "GitUnresolvableToCommitException")
        return repo.git.commits[sha]

    # --- operations ------------------------------------------------------------------

    @handles("list_repositories")
    def list_repositories(self, request: SimRequest, organization: str, project: str) -> Reply:
        found = self._project(organization, project)
        self._need(request, "vso.code", "GenericRead")
        return listed([self._repo_json(repo) for repo in sorted(
            self.repos.values(), key=lambda r: r.name.lower())
            if repo.project is found and repo.deleted is None])

    @handles("create_repository")
    def create_repository(self, request: SimRequest, organization: str, project: str) -> Reply:
        found = self._project(organization, project)
        self._need(request, "vso.code_manage", "CreateRepository")
        name = (request.json or {}).get("name", "")
        if not name.strip():
            raise error(400, "TF400949: The name of the repository is missing.",
                        "InvalidArgumentValueException", "Microsoft.TeamFoundation.Framework")
        # A repository in the recycle bin keeps its name until purged.
        if any(repo.project is found and repo.name.lower() == name.lower()
               for repo in self.repos.values()):
            raise error(409, f"TF400948: A Git repository with the name {name} already exists.",
                        "GitRepositoryNameAlreadyExistsException")
        repo = self.add_repo(found.name, name)
        return answer(201, self._repo_json(repo))

    @handles("get_repository")
    def get_repository(self, request: SimRequest, organization: str, project: str,
                       repositoryId: str) -> Reply:
        return answer(200, self._repo_json(self._repo(request, organization, project,
                                                      repositoryId)))

    @handles("delete_repository")
    def delete_repository(self, request: SimRequest, organization: str, project: str,
                          repositoryId: str) -> Reply:
        repo = self._repo(request, organization, project, repositoryId, "vso.code_manage",
                          "DeleteRepository", by_name=False)
        repo.deleted = time.time()
        return Reply(204)

    @handles("purge_repository")
    def purge_repository(self, request: SimRequest, organization: str, project: str,
                         repositoryId: str) -> Reply:
        repo = self._repo(request, organization, project, repositoryId, "vso.code_manage",
                          "DeleteRepository", by_name=False, deleted=True)
        del self.repos[repo.id]
        return Reply(204)

    @handles("list_refs")
    def list_refs(self, request: SimRequest, organization: str, project: str,
                  repositoryId: str) -> Reply:
        repo = self._repo(request, organization, project, repositoryId)
        wanted = request.query.get("filter", "").removeprefix("refs/")
        return listed([{"name": f"refs/heads/{branch}", "objectId": sha,
                        "creator": self._identity(request.principal),
                        "url": f"{self.url}/{ORGANIZATION}/{repo.project.id}/_apis/git/"
                               f"repositories/{repo.id}/refs?filter=heads%2F{quote(branch)}"}
                       for branch, sha in sorted(repo.git.branches.items())
                       if f"heads/{branch}".startswith(wanted)])

    @handles("list_items")
    def list_items(self, request: SimRequest, organization: str, project: str,
                   repositoryId: str) -> Reply:
        repo = self._repo(request, organization, project, repositoryId)
        commit = self._version(repo, request)
        scope = "/" + request.query.get("scopePath", "/").strip("/")
        top = self._item(repo, commit, scope)
        if top is None:
            raise self._missing(repo, scope, commit)
        level = request.query.get("recursionLevel", "none").lower()
        if level == "none" or not top.get("isFolder"):
            return listed([top])
        below = scope.rstrip("/") + "/"
        paths = set()
        for name in commit.files:
            if not ("/" + name).startswith(below):
                continue
            parts = ("/" + name)[len(below):].split("/")
            depth = len(parts) if level == "full" else 1
            paths |= {below + "/".join(parts[:n]) for n in range(1, min(depth, len(parts)) + 1)}
        return listed([top, *(self._item(repo, commit, path) for path in sorted(paths))])

    @handles("get_item")
    def get_item(self, request: SimRequest, organization: str, project: str,
                 repositoryId: str) -> Reply:
        repo = self._repo(request, organization, project, repositoryId)
        commit = self._version(repo, request)
        path = "/" + request.query["path"].lstrip("/")
        item = self._item(repo, commit, path)
        if item is None:
            raise self._missing(repo, path, commit)
        content = commit.files.get(path.lstrip("/"))
        if "application/json" not in request.headers.get("Accept", ""):
            # Without Accept: application/json the real service sends the file itself.
            return Reply(200, raw=content or b"", content_type="application/octet-stream")
        if content is not None and request.query.get("includeContent", "").lower() == "true":
            item["content"] = content.decode("utf-8", errors="replace")
        return answer(200, item)

    @handles("create_push")
    def create_push(self, request: SimRequest, organization: str, project: str,
                    repositoryId: str) -> Reply:
        repo = self._repo(request, organization, project, repositoryId, "vso.code_write",
                          "GenericContribute")
        body, git = request.json, repo.git
        update = body["refUpdates"][0]
        branch = update["name"].removeprefix("refs/heads/")
        with git.lock:
            current = git.branches.get(branch)
            if current is not None and update["oldObjectId"] != current:
                raise error(409, f"TF401028: The reference '{update['name']}' has already been "
                                 "updated by another client, so you cannot update it. Please "
                                 "try again.", "GitReferenceStaleException")
            parent = current
            if current is None and update["oldObjectId"] != ZERO_SHA:  # a branch from there
                parent = update["oldObjectId"]
                if parent not in git.commits:
                    raise error(400, f"TF401035: The object '{parent}' does not exist.",
                                "GitObjectNotFoundException")
            made = []
            for entry in body["commits"]:
                files = self._apply(dict(git.commits[parent].files) if parent else {},
                                    entry["changes"])
                author = entry.get("author") or {"name": request.principal.name,
                                                 "email": request.principal.email}
                commit = git.make_commit(files, (parent,) if parent else (), entry["comment"],
                                         author["name"], author["email"])
                made.append(commit)
                parent = commit.sha
            git.move_branch(branch, parent, current)
        return answer(201, self._push_json(request, repo, update["name"], current, made))

    def _apply(self, files: dict[str, bytes], changes: list[dict]) -> dict[str, bytes]:
        for change in changes:
            path, kind = change["item"]["path"], change["changeType"].lower()
            exists = path.lstrip("/") in files
            if kind == "add" and exists:
                raise error(400, f"TF401282: The path '{path}' specified in the add operation "
                                 "already exists. Please specify a new path.",
                            "InvalidArgumentValueException", "Microsoft.TeamFoundation.Framework")
            if kind in ("edit", "delete") and not exists:
                raise error(400, f"TF401174: The item '{path}' could not be found in the "
                                 "repository at the version specified.",
                            "GitItemNotFoundException")
            if kind == "delete":
                del files[path.lstrip("/")]
                continue
            content = change["newContent"]
            data = content["content"]
            files[path.lstrip("/")] = (base64.b64decode(data)  # enums are case-insensitive [U]
                                       if content["contentType"].lower() == "base64encoded"
                                       else data.encode("utf-8"))
        return files

    def _push_json(self, request: SimRequest, repo: Repo, ref: str, old: str | None,
                   made: list[Commit]) -> dict:
        api = f"{self.url}/{ORGANIZATION}/_apis/git/repositories/{repo.id}"
        push_id = next(self._push_ids)

        def person(commit: Commit) -> dict:
            when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(commit.timestamp))
            return {"name": commit.author_name, "email": commit.author_email, "date": when}

        return {"commits": [{"treeId": c.tree, "commitId": c.sha, "author": person(c),
                             "committer": person(c), "comment": c.message,
                             "parents": list(c.parents), "url": f"{api}/commits/{c.sha}"}
                            for c in made],
                # A new branch reports 40 zeros, whatever commit it started from (pushes8).
                "refUpdates": [{"repositoryId": repo.id, "name": ref,
                                "oldObjectId": old or ZERO_SHA, "newObjectId": made[-1].sha}],
                "pushedBy": self._identity(request.principal), "pushId": push_id,
                "date": time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime()),
                "url": f"{api}/pushes/{push_id}"}

    def _missing(self, repo: Repo, path: str, commit: Commit) -> Reply:
        return error(404, f"TF401174: The item '{path}' could not be found in the repository "
                          f"'{repo.name}' at the version specified by '<Commit: {commit.sha} >'.",
                     "GitItemNotFoundException")


def _settings(sim: AzureDevOpsSimulator, **overrides) -> ProviderSettings:
    values = {"allow_private_hosts": True,  # simulators listen on 127.0.0.1
              "kind": "azure_devops", "host": None,
              "organization_url": f"{sim.url}/{ORGANIZATION}", "project": PROJECT,
              "username": "jane@example.com", "token": GOOD_TOKEN, **overrides}
    return ProviderSettings(**values)


def _git(sim: AzureDevOpsSimulator, repo_name: str) -> GitRepo | None:
    found = sim.repo(PROJECT, repo_name)
    return found.git if found else None


def _error_body(status: int, message: str) -> dict:
    type_key = {403: "UnauthorizedRequestException", 429: "RequestBlockedException"}.get(
        status, "VssServiceException")
    return error(status, message, type_key, "Microsoft.VisualStudio.Services").body


HARNESS = Harness(
    kind="azure_devops",
    simulator=AzureDevOpsSimulator,
    provider=AzureDevOpsProvider,
    settings=_settings,
    git=_git,
    operations={"identity": "list_repositories", "namespace": "list_repositories",
                "create": "create_repository", "commit": "create_push", "read": "get_item",
                "delete": "delete_repository", "branch": "list_refs",
                "open_request": "create_pull_request", "close_request": "update_pull_request"},
    tokens={"good": GOOD_TOKEN, "wrong": WRONG_TOKEN, "no_delete": WRITE_TOKEN,
            "no_create": WRITE_TOKEN},
    unknown_namespace={"project": "No Such Project"},
    error_body=_error_body,
)
