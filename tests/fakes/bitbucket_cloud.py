"""A Bitbucket Cloud simulator: a workspace with projects, accounts, API tokens, /src commits.

Quirks kept from the real service (PROVIDER-APIS.md §4): API tokens authenticate only as
Basic email:token (username:token, Bearer, or a token without scopes is 401) and their
responses carry x-credential-type and x-oauth-scopes; app passwords authenticate as
username:password; a missing scope is 403 "Your credentials lack one or more required
privilege scopes."; creating a taken slug is 400 "Repository with this Slug and Owner
already exists."; a repository created without a project goes to the workspace's oldest
project; repositories start empty; POST /src follows its documented semantics (parts
named by paths add or overwrite, `files` lists paths to delete, `parents` asserts the
branch tip or 409, the first commit of an empty repository defines the main branch, a new
branch starts from the main branch's tip) and answers 201 with an empty body; clone links
carry the caller's user name; an empty repository's mainbranch is null; a taken slug's
error carries `fields`, a missing scope's an object `detail` (what the real service sends:
tests/contracts/official.py corrects the official schemas for these, citing the facts).
Pull requests, branch deletion and directory listings are in bitbucket_reviews.py.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import mimetypes
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from tests.contracts.bitbucket_cloud import CONTRACT
from tests.fakes.bitbucket_reviews import BitbucketCloudReviews, error
from tests.fakes.git import GitRepo
from tests.fakes.harness import Harness
from tests.fakes.simulator import Reply, SimRequest, Simulator, handles
from webapp.providers.base import ProviderSettings
from webapp.providers.bitbucket_cloud import BitbucketCloudProvider

EMAIL = "jane@example.com"
USERNAME = "jdoe"
ALL_SCOPES = ("read:user:bitbucket", "read:workspace:bitbucket", "read:project:bitbucket",
              "read:repository:bitbucket", "write:repository:bitbucket",
              "admin:repository:bitbucket", "delete:repository:bitbucket",
              "read:pullrequest:bitbucket", "write:pullrequest:bitbucket")
GOOD_TOKEN = "ATATT3xSimGoodToken0000000000000001"
NO_DELETE_TOKEN = "ATATT3xSimNoDeleteScope000000000002"
NO_CREATE_TOKEN = "ATATT3xSimNoAdminScope0000000000003"
NO_SCOPES_TOKEN = "ATATT3xSimNoScopesAtAll000000000004"
MEMBER_TOKEN = "ATATT3xSimPlainMember00000000000005"
NO_PULL_REQUESTS_TOKEN = "ATATT3xSimNoPullRequestScope000007"  # may not open pull requests
APP_PASSWORD = "SimAppPassword00000006"
WRONG_TOKEN = "ATATT3xSimWrongToken000000000000009"
META_FIELDS = frozenset({"message", "branch", "author", "parents", "files"})
MAIN = "main"  # the main branch name a workspace gives new repositories


@dataclass
class Account:
    nickname: str
    display_name: str
    email: str
    account_id: str
    uuid: str


@dataclass
class Credential:
    account: Account
    scopes: frozenset[str]
    kind: str  # "api_token" or "app_password"


@dataclass
class Project:
    key: str
    name: str
    uuid: str
    created_on: str


@dataclass
class Repo:
    workspace: str
    slug: str
    name: str
    uuid: str
    project: Project
    git: GitRepo = field(default_factory=GitRepo)


class BitbucketCloudSimulator(BitbucketCloudReviews, Simulator):
    contract = CONTRACT
    prefix = "/2.0"
    label = "Bitbucket Cloud"

    def __init__(self) -> None:
        super().__init__()
        jane = Account(USERNAME, "Jane Doe", EMAIL, "712020:5f0c",
                       "{a1b2c3d4-0000-0000-0000-00000000000a}")
        max_ = Account("mmember", "Max Member", "max@example.com", "712020:9a1e",
                       "{a1b2c3d4-0000-0000-0000-00000000000b}")
        self.credentials: dict[str, Credential] = {
            GOOD_TOKEN: Credential(jane, frozenset(ALL_SCOPES), "api_token"),
            NO_DELETE_TOKEN: Credential(
                jane, frozenset(ALL_SCOPES) - {"delete:repository:bitbucket"}, "api_token"),
            NO_CREATE_TOKEN: Credential(
                jane, frozenset(ALL_SCOPES) - {"admin:repository:bitbucket"}, "api_token"),
            NO_SCOPES_TOKEN: Credential(jane, frozenset(), "api_token"),
            NO_PULL_REQUESTS_TOKEN: Credential(
                jane, frozenset(ALL_SCOPES) - {"write:pullrequest:bitbucket"}, "api_token"),
            MEMBER_TOKEN: Credential(max_, frozenset(ALL_SCOPES), "api_token"),
            APP_PASSWORD: Credential(jane, frozenset(ALL_SCOPES), "app_password"),
        }
        # Listed newest first: only sort=created_on finds the oldest.
        self.workspaces: dict[str, dict] = {
            "acme": {"name": "Acme", "uuid": "{0d1e2f00-0000-0000-0000-0000000000ac}",
                     "admins": {USERNAME}, "members": {USERNAME, "mmember"},
                     "projects": {p.key: p for p in (
                         Project("NEW", "New platform", "{9f000000-0000-0000-0000-000000000002}",
                                 "2024-05-02T09:00:00.000000+00:00"),
                         Project("OLD", "Old platform", "{9f000000-0000-0000-0000-000000000001}",
                                 "2019-03-01T09:00:00.000000+00:00"),
                         Project("MID", "Middle", "{9f000000-0000-0000-0000-000000000003}",
                                 "2021-07-15T09:00:00.000000+00:00"))}},
            "empty-ws": {"name": "No projects", "uuid": "{0d1e2f00-0000-0000-0000-0000000000ee}",
                         "admins": {USERNAME}, "members": {USERNAME}, "projects": {}},
        }
        self.repos: dict[tuple[str, str], Repo] = {}
        self._ids = itertools.count(1)

    # --- state helpers for tests -----------------------------------------------------

    def repo(self, workspace: str, slug: str) -> Repo | None:
        return self.repos.get((workspace.lower(), slug.lower()))

    # --- auth ------------------------------------------------------------------------

    def authenticate(self, request: SimRequest) -> Credential:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        user, secret = "", ""
        if scheme.lower() == "basic":
            with contextlib.suppress(ValueError):  # not base64 or not UTF-8: refused below
                user, _, secret = base64.b64decode(value).decode().partition(":")
        found = self.credentials.get(secret)
        expected = found and (found.account.email if found.kind == "api_token"
                              else found.account.nickname)
        if found is None or user.lower() != expected.lower() or (
                found.kind == "api_token" and not found.scopes):
            raise error(401, "Token is invalid, expired, or not supported for this endpoint.",
                        {"WWW-Authenticate": 'Basic realm="Bitbucket.org HTTP"'})
        return found

    def _headers(self, credential: Credential) -> dict[str, str]:
        if credential.kind != "api_token":
            return {}
        return {"x-credential-type": "api_token",
                "x-oauth-scopes": ", ".join(s for s in ALL_SCOPES if s in credential.scopes)}

    def _require(self, request: SimRequest, scope: str) -> None:
        if scope not in request.principal.scopes:
            raise error(403, "Your credentials lack one or more required privilege scopes.",
                        self._headers(request.principal),
                        detail={"granted": sorted(request.principal.scopes),
                                "required": [scope]})

    def _reply(self, request: SimRequest, status: int, body=None, **kwargs) -> Reply:
        return Reply(status, body, headers=self._headers(request.principal), **kwargs)

    # --- JSON ------------------------------------------------------------------------

    def _project_json(self, workspace: str, project: Project) -> dict:
        return {"type": "project", "key": project.key, "uuid": project.uuid,
                "name": project.name, "is_private": True, "created_on": project.created_on,
                "updated_on": project.created_on, "has_publicly_visible_repos": False,
                "links": {"html": {"href": f"{self.url}/{workspace}/workspace/projects/"
                                           f"{project.key}"}}}

    def _repo_json(self, repo: Repo, caller: Account) -> dict:
        html = f"{self.url}/{repo.workspace}/{repo.slug}"
        parts = urlsplit(self.url)
        body = {"type": "repository", "uuid": repo.uuid, "slug": repo.slug, "name": repo.name,
                "full_name": f"{repo.workspace}/{repo.slug}", "is_private": True, "scm": "git",
                "description": "", "fork_policy": "no_public_forks", "language": "",
                "has_issues": False, "has_wiki": False, "size": 0,
                "created_on": "2026-01-01T00:00:00.000000+00:00",
                "updated_on": "2026-01-01T00:00:00.000000+00:00",
                "owner": {"type": "team", "display_name": self.workspaces[repo.workspace]["name"],
                          "uuid": self.workspaces[repo.workspace]["uuid"]},
                "project": self._project_json(repo.workspace, repo.project),
                "links": {"self": {"href": f"{self.api_url}/repositories/{repo.workspace}/"
                                           f"{repo.slug}"},
                          "html": {"href": html},
                          "clone": [{"name": "https", "href": f"{parts.scheme}://"
                                     f"{caller.nickname}@{parts.netloc}/{repo.workspace}/"
                                     f"{repo.slug}.git"},
                                    {"name": "ssh", "href": f"git@{parts.hostname}:"
                                     f"{repo.workspace}/{repo.slug}.git"}]}}
        body["mainbranch"] = ({"type": "branch", "name": repo.git.default_branch}
                              if repo.git.default_branch else None)
        return body

    def _branch_json(self, repo: Repo, name: str) -> dict:
        commit = repo.git.tip(name)
        api = f"{self.api_url}/repositories/{repo.workspace}/{repo.slug}"
        return {"type": "branch", "name": name,
                "links": {"self": {"href": f"{api}/refs/branches/{name}"},
                          "commits": {"href": f"{api}/commits/{name}"},
                          "html": {"href": f"{self.url}/{repo.workspace}/{repo.slug}/branch/"
                                           f"{name}"}},
                "merge_strategies": ["merge_commit", "squash", "fast_forward"],
                "default_merge_strategy": "merge_commit",
                "target": {"type": "commit", "hash": commit.sha, "message": commit.message,
                           "date": "2026-01-01T00:00:00+00:00",
                           "author": {"type": "author",
                                      "raw": f"{commit.author_name} <{commit.author_email}>"},
                           "parents": [{"type": "commit", "hash": p} for p in commit.parents]}}

    # --- lookups ---------------------------------------------------------------------

    def _workspace(self, request: SimRequest, slug: str) -> dict:
        found = self.workspaces.get(unquote(slug).lower())
        if found is None or request.principal.account.nickname not in found["members"]:
            raise error(404, f"No workspace with identifier '{unquote(slug)}'.")
        return found

    def _repo(self, request: SimRequest, workspace: str, slug: str) -> Repo:
        self._workspace(request, workspace)
        found = self.repo(unquote(workspace), unquote(slug))
        if found is None:
            raise error(404, f"Repository {unquote(workspace)}/{unquote(slug)} not found")
        return found

    # --- operations ------------------------------------------------------------------

    @handles("get_user")
    def get_user(self, request: SimRequest) -> Reply:
        self._require(request, "read:user:bitbucket")
        account = request.principal.account
        return self._reply(request, 200, {
            "type": "user", "uuid": account.uuid, "account_id": account.account_id,
            "nickname": account.nickname, "display_name": account.display_name,
            "account_status": "active", "created_on": "2018-01-01T00:00:00.000000+00:00",
            "links": {"avatar": {"href": f"{self.url}/account/{account.nickname}/avatar/"}}})

    @handles("get_project")
    def get_project(self, request: SimRequest, workspace: str, project_key: str) -> Reply:
        self._require(request, "read:project:bitbucket")
        found = self._workspace(request, workspace)["projects"].get(unquote(project_key))
        if found is None:
            raise error(404, f"Project {unquote(project_key)} not found")
        return self._reply(request, 200, self._project_json(unquote(workspace).lower(), found))

    @handles("list_projects")
    def list_projects(self, request: SimRequest, workspace: str) -> Reply:
        self._require(request, "read:project:bitbucket")
        projects = list(self._workspace(request, workspace)["projects"].values())
        sort = request.query.get("sort", "")
        if sort.lstrip("-") in ("created_on", "key", "name"):
            projects.sort(key=lambda p: getattr(p, sort.lstrip("-")),
                          reverse=sort.startswith("-"))
        pagelen = max(1, min(100, int(request.query.get("pagelen") or 10)))
        body = {"pagelen": pagelen, "size": len(projects), "page": 1,
                "values": [self._project_json(unquote(workspace).lower(), p)
                           for p in projects[:pagelen]]}
        if len(projects) > pagelen:
            body["next"] = (f"{self.api_url}/workspaces/{unquote(workspace)}/projects"
                            f"?page=2&pagelen={pagelen}" + (f"&sort={sort}" if sort else ""))
        return self._reply(request, 200, body)

    @handles("create_repository")
    def create_repository(self, request: SimRequest, workspace: str, repo_slug: str) -> Reply:
        self._require(request, "admin:repository:bitbucket")
        space = self._workspace(request, workspace)
        account = request.principal.account
        if account.nickname not in space["admins"]:
            # The official description: 400 when the caller lacks the privilege.
            raise error(400, "You do not have permission to create repositories in this "
                             "workspace.")
        key = ((request.json or {}).get("project") or {}).get("key")
        if key is None:  # the oldest project [P]
            project = min(space["projects"].values(), key=lambda p: p.created_on, default=None)
        else:
            project = space["projects"].get(key)
        if project is None:
            raise error(400, "Invalid project key or UUID." if key else
                             "The workspace has no project to put the repository in.")
        ws, slug = unquote(workspace).lower(), unquote(repo_slug).lower()
        if (ws, slug) in self.repos:
            raise error(400, "Repository with this Slug and Owner already exists.",
                        fields={"name": ["You already have a repository with this name."]})
        number = next(self._ids)
        repo = Repo(ws, slug, (request.json or {}).get("name") or slug,
                    f"{{7e570000-0000-0000-0000-{number:012d}}}", project)
        self.repos[(ws, slug)] = repo
        return self._reply(request, 200, self._repo_json(repo, account))

    @handles("get_repository")
    def get_repository(self, request: SimRequest, workspace: str, repo_slug: str) -> Reply:
        self._require(request, "read:repository:bitbucket")
        found = self._repo(request, workspace, repo_slug)
        return self._reply(request, 200, self._repo_json(found, request.principal.account))

    @handles("delete_repository")
    def delete_repository(self, request: SimRequest, workspace: str, repo_slug: str) -> Reply:
        self._require(request, "delete:repository:bitbucket")
        found = self._repo(request, workspace, repo_slug)
        if request.principal.account.nickname not in self.workspaces[found.workspace]["admins"]:
            raise error(403, "You do not have admin access to this repository.")
        del self.repos[(found.workspace, found.slug)]
        return self._reply(request, 204)

    @handles("get_branch")
    def get_branch(self, request: SimRequest, workspace: str, repo_slug: str,
                   name: str) -> Reply:
        self._require(request, "read:repository:bitbucket")
        found = self._repo(request, workspace, repo_slug)
        if unquote(name) not in found.git.branches:
            raise error(404, f"Branch \"{unquote(name)}\" not found")
        return self._reply(request, 200, self._branch_json(found, unquote(name)))

    @handles("get_file")
    def get_file(self, request: SimRequest, workspace: str, repo_slug: str, commit: str,
                 path: str) -> Reply:
        self._require(request, "read:repository:bitbucket")
        found = self._repo(request, workspace, repo_slug)
        revision = unquote(commit)
        sha = found.git.branches.get(revision, revision)
        if sha not in found.git.commits:
            raise error(404, "Commit not found")
        path = unquote(path)
        files = found.git.commits[sha].files
        if path not in files:
            raise error(404, f"No such file or directory: {path}")
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return self._reply(request, 200, raw=files[path], content_type=content_type)

    @handles("create_commit")
    def create_commit(self, request: SimRequest, workspace: str, repo_slug: str) -> Reply:
        self._require(request, "write:repository:bitbucket")
        found = self._repo(request, workspace, repo_slug)
        form = request.raw.form
        changes: dict[str, bytes | None] = {
            path.lstrip("/"): None for path in form.getlist("files")}
        # A field that is not meta data is a file; a leading "/" makes it one in any case.
        changes.update({name.lstrip("/"): form[name].encode() for name in form
                        if name not in META_FIELDS})
        changes.update({name.lstrip("/"): content for name, content in request.files.items()})
        account = request.principal.account
        author = re.fullmatch(r"\s*(.*?)\s*<([^>]+)>\s*", form.get("author", ""))
        name, email = author.groups() if author else (account.display_name, account.email)
        message = form.get("message") or "Edited online with Bitbucket"
        git = found.git
        with git.lock:
            branch = form.get("branch") or git.default_branch or MAIN
            tip = git.branches.get(branch)
            parent = form.get("parents")
            if parent is not None and parent not in git.commits:
                raise error(404, "Commit not found")
            if tip is not None and parent is not None and parent != tip:
                raise error(409, f"Commit {parent[:12]} is not the tip of branch {branch}; "
                                 "the branch has moved.")
            # A new branch starts from the parent, else from the main branch's tip.
            base = tip or parent or git.branches.get(git.default_branch or "")
            files = dict(git.commits[base].files) if base else {}
            for path, content in changes.items():
                if content is None:
                    files.pop(path, None)
                else:
                    files[path] = content
            commit = git.make_commit(files, (base,) if base else (), message, name, email)
            git.move_branch(branch, commit.sha, tip)  # the first branch becomes the main one
        return self._reply(request, 201)


def _settings(sim: BitbucketCloudSimulator, **overrides) -> ProviderSettings:
    values = {"allow_private_hosts": True,  # simulators listen on 127.0.0.1
              "kind": "bitbucket_cloud", "host": sim.url, "workspace": "acme",
              "project_key": None, "username": EMAIL, "token": GOOD_TOKEN, **overrides}
    return ProviderSettings(**values)


def _git(sim: BitbucketCloudSimulator, repo_name: str) -> GitRepo | None:
    found = sim.repo("acme", repo_name)
    return found.git if found else None


HARNESS = Harness(
    kind="bitbucket_cloud",
    simulator=BitbucketCloudSimulator,
    provider=BitbucketCloudProvider,
    settings=_settings,
    git=_git,
    operations={"identity": "get_user", "namespace": "list_projects",
                "create": "create_repository", "commit": "create_commit", "read": "get_file",
                "delete": "delete_repository", "branch": "get_branch",
                "open_request": "create_pull_request", "close_request": "decline_pull_request"},
    tokens={"good": GOOD_TOKEN, "wrong": WRONG_TOKEN, "no_delete": NO_DELETE_TOKEN,
            "no_create": NO_CREATE_TOKEN},
    unknown_namespace={"workspace": "no-such-workspace"},
    error_body=lambda status, message: {"type": "error", "error": {"message": message}},
)
