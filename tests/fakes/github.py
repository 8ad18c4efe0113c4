"""A GitHub (Enterprise Server) simulator: orgs, tokens with scopes, repositories, Git Data.

Quirks kept from the real service (PROVIDER-APIS.md §1): Git Data calls on an empty
repository answer 409 "Git Repository is empty."; a taken repository name is 422 with
"name already exists on this account"; a non-fast-forward ref update is 422; classic
tokens list their scopes in X-OAuth-Scopes, fine-grained tokens do not; a missing scope
is 403 naming the accepted scopes in X-Accepted-OAuth-Scopes; private repositories the
token cannot see are 404; a token with an expiration date says when in every response's
GitHub-Authentication-Token-Expiration header (§1j [O]: "YYYY-MM-DD HH:MM:SS UTC"; one
fine-grained token here sends a numeric offset instead, which one client also reads).
Pull requests, branch deletion, trees and blobs are in github_reviews.py.
"""

from __future__ import annotations

import base64
import itertools
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

from tests.contracts.github import CONTRACT
from tests.fakes.git import GitRepo, blob_id
from tests.fakes.github_reviews import GitHubReviews
from tests.fakes.harness import Harness
from tests.fakes.simulator import Reply, SimRequest, Simulator, handles
from webapp.providers.base import ProviderSettings
from webapp.providers.github import GitHubProvider

DOCS = "https://docs.github.com/rest"
GOOD_TOKEN = "ghp_SimGoodToken000000000000000000000001"
NO_DELETE_TOKEN = "ghp_SimNoDeleteScope0000000000000000002"
NO_REPO_TOKEN = "ghp_SimNoRepoScope00000000000000000003"
FINE_GRAINED_TOKEN = "github_pat_11SIMFINEGRAINED0000000000000000000004"
FINE_GRAINED_PR_TOKEN = "github_pat_11SIMFINEGRAINEDPULLS00000000000000005"
EXPIRING_TOKEN = "ghp_SimExpiringToken0000000000000000006"
WRONG_TOKEN = "ghp_SimWrongToken00000000000000000000009"
EXPIRES = "2026-12-31 00:00:00 UTC"          # EXPIRING_TOKEN's header (§1j [O] format)
EXPIRES_OFFSET = "2026-10-01 09:00:00 +0900"  # the fine-grained tokens': a numeric offset


@dataclass
class Token:
    login: str
    scopes: tuple[str, ...] | None  # None: a fine-grained token
    permissions: frozenset[str] = frozenset()
    expires: str | None = None  # GitHub-Authentication-Token-Expiration, as sent


@dataclass
class Repo:
    id: int
    org: str
    name: str
    private: bool
    git: GitRepo = field(default_factory=GitRepo)


def error(code: int, message: str, headers: dict | None = None, **extra) -> Reply:
    return Reply(code, {"message": message, "documentation_url": DOCS, **extra},
                 headers=headers)


class GitHubSimulator(GitHubReviews, Simulator):
    contract = CONTRACT
    prefix = "/api/v3"
    label = "GitHub"

    def __init__(self) -> None:
        super().__init__()
        self.users = {"octocat": "The Octocat"}
        self.orgs = {"acme": {"id": 1001, "members": {"octocat": "admin"}}}
        self.tokens = {
            GOOD_TOKEN: Token("octocat", ("repo", "admin:org", "delete_repo")),
            NO_DELETE_TOKEN: Token("octocat", ("repo", "admin:org")),
            NO_REPO_TOKEN: Token("octocat", ("admin:org",)),
            FINE_GRAINED_TOKEN: Token("octocat", None,
                                      frozenset({"administration:write", "contents:write"}),
                                      EXPIRES_OFFSET),
            FINE_GRAINED_PR_TOKEN: Token("octocat", None,
                                         frozenset({"administration:write", "contents:write",
                                                    "pull_requests:write"}), EXPIRES_OFFSET),
            EXPIRING_TOKEN: Token("octocat", ("repo", "admin:org", "delete_repo"),
                                  expires=EXPIRES),
        }
        self.repos: dict[tuple[str, str], Repo] = {}
        self._ids = itertools.count(5000)

    # --- state helpers for tests -----------------------------------------------------

    def repo(self, org: str, name: str) -> Repo | None:
        return self.repos.get((org.lower(), name.lower()))

    # --- auth ------------------------------------------------------------------------

    def authenticate(self, request: SimRequest) -> Token:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        found = self.tokens.get(token) if scheme.lower() in ("bearer", "token") else None
        if found is None:
            raise error(401, "Bad credentials", status="401")
        return found

    def _headers(self, token: Token, accepted: str = "") -> dict[str, str]:
        headers = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4990",
                   "X-RateLimit-Reset": str(int(time.time()) + 3600),
                   "X-RateLimit-Used": "10", "X-RateLimit-Resource": "core",
                   "X-GitHub-Media-Type": "github.v3; format=json"}
        if token.scopes is not None:
            headers["X-OAuth-Scopes"] = ", ".join(token.scopes)
            headers["X-Accepted-OAuth-Scopes"] = accepted
        if token.expires:
            headers["GitHub-Authentication-Token-Expiration"] = token.expires
        return headers

    def _require(self, token: Token, scope: str, permission: str, message: str) -> None:
        if token.scopes is None:
            if permission not in token.permissions:
                raise error(403, "Resource not accessible by personal access token",
                            {"X-Accepted-GitHub-Permissions": permission.replace(":", "=")})
        elif scope not in token.scopes:
            raise error(403, message, {**self._headers(token, scope)})

    def _repo(self, token: Token, owner: str, name: str) -> Repo:
        repo = self.repo(unquote(owner), unquote(name))
        member = token.login in self.orgs.get(unquote(owner).lower(), {}).get("members", {})
        can_see = repo is not None and (not repo.private or (
            member and (token.scopes is None or "repo" in token.scopes)))
        if not can_see:
            raise error(404, "Not Found", status="404")
        return repo

    def _nonempty(self, repo: Repo) -> None:
        if repo.git.empty:
            raise error(409, "Git Repository is empty.", status="409")

    def _repo_json(self, repo: Repo) -> dict:
        html = f"{self.url}/{repo.org}/{repo.name}"
        return {"id": repo.id, "node_id": f"R_{repo.id}", "name": repo.name,
                "full_name": f"{repo.org}/{repo.name}", "private": repo.private,
                "owner": {"login": repo.org, "id": self.orgs[repo.org]["id"],
                          "type": "Organization"},
                "html_url": html, "clone_url": f"{html}.git",
                "url": f"{self.api_url}/repos/{repo.org}/{repo.name}",
                "default_branch": repo.git.default_branch or "main",
                "visibility": "private" if repo.private else "public"}

    def _ref_json(self, repo: Repo, branch: str, sha: str) -> dict:
        base = f"{self.api_url}/repos/{repo.org}/{repo.name}/git"
        return {"ref": f"refs/heads/{branch}", "node_id": f"REF_{sha[:8]}",
                "url": f"{base}/refs/heads/{branch}",
                "object": {"type": "commit", "sha": sha, "url": f"{base}/commits/{sha}"}}

    def _commit_json(self, repo: Repo, sha: str) -> dict:
        commit = repo.git.commits[sha]
        base = f"{self.api_url}/repos/{repo.org}/{repo.name}/git"
        person = {"name": commit.author_name, "email": commit.author_email,
                  "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(commit.timestamp))}
        return {"sha": sha, "node_id": f"C_{sha[:8]}", "url": f"{base}/commits/{sha}",
                "html_url": f"{self.url}/{repo.org}/{repo.name}/commit/{sha}",
                "author": person, "committer": person, "message": commit.message,
                "tree": {"sha": commit.tree, "url": f"{base}/trees/{commit.tree}"},
                "parents": [{"sha": p, "url": f"{base}/commits/{p}",
                             "html_url": f"{self.url}/{repo.org}/{repo.name}/commit/{p}"}
                            for p in commit.parents],
                "verification": {"verified": False, "reason": "unsigned", "signature": None,
                                 "payload": None, "verified_at": None}}

    # --- operations ------------------------------------------------------------------

    @handles("get_user")
    def get_user(self, request: SimRequest) -> Reply:
        token = request.principal
        return Reply(200, {"login": token.login, "id": 1, "node_id": "U_1", "type": "User",
                           "name": self.users[token.login], "user_view_type": "private"},
                     headers=self._headers(token))

    @handles("get_org")
    def get_org(self, request: SimRequest, org: str) -> Reply:
        record = self.orgs.get(unquote(org).lower())
        if record is None:
            raise error(404, "Not Found", status="404")
        return Reply(200, {"login": unquote(org), "id": record["id"], "node_id": "O_1",
                           "type": "Organization", "html_url": f"{self.url}/{unquote(org)}"},
                     headers=self._headers(request.principal))

    @handles("create_org_repo")
    def create_org_repo(self, request: SimRequest, org: str) -> Reply:
        token, org = request.principal, unquote(org).lower()
        if org not in self.orgs:
            raise error(404, "Not Found", status="404")
        self._require(token, "repo", "administration:write",
                      "You need admin access to the organization before adding a repository "
                      "to it.")
        if token.login not in self.orgs[org]["members"]:
            raise error(403, "You need admin access to the organization before adding a "
                             "repository to it.")
        name = request.json["name"]
        if (org, name.lower()) in self.repos:
            raise Reply(422, {"message": "Repository creation failed.", "documentation_url": DOCS,
                              "errors": [{"resource": "Repository", "code": "custom",
                                          "field": "name",
                                          "message": "name already exists on this account"}]})
        repo = Repo(next(self._ids), org, name, bool(request.json.get("private")))
        if request.json.get("auto_init"):
            repo.git.commit_on("main", {"README.md": f"# {name}\n".encode()}, "Initial commit")
        self.repos[(org, name.lower())] = repo
        body = self._repo_json(repo)
        return Reply(201, body, headers={**self._headers(token), "Location": body["url"]})

    @handles("get_repo")
    def get_repo(self, request: SimRequest, owner: str, repo: str) -> Reply:
        found = self._repo(request.principal, owner, repo)
        return Reply(200, self._repo_json(found), headers=self._headers(request.principal))

    @handles("delete_repo")
    def delete_repo(self, request: SimRequest, owner: str, repo: str) -> Reply:
        token = request.principal
        found = self._repo(token, owner, repo)
        self._require(token, "delete_repo", "administration:write",
                      "Must have admin rights to Repository.")
        del self.repos[(found.org, found.name.lower())]
        return Reply(204, headers=self._headers(token))

    @handles("get_ref")
    def get_ref(self, request: SimRequest, owner: str, repo: str, ref: str) -> Reply:
        found = self._repo(request.principal, owner, repo)
        self._nonempty(found)
        branch = unquote(ref).removeprefix("heads/")
        sha = found.git.branches.get(branch)
        if sha is None:
            raise error(404, "Not Found", status="404")
        return Reply(200, self._ref_json(found, branch, sha),
                     headers=self._headers(request.principal))

    @handles("get_commit")
    def get_commit(self, request: SimRequest, owner: str, repo: str, commit_sha: str) -> Reply:
        found = self._repo(request.principal, owner, repo)
        self._nonempty(found)
        if commit_sha not in found.git.commits:
            raise error(404, "Not Found", status="404")
        return Reply(200, self._commit_json(found, commit_sha),
                     headers=self._headers(request.principal))

    @handles("create_blob")
    def create_blob(self, request: SimRequest, owner: str, repo: str) -> Reply:
        found = self._writable(request, owner, repo)
        body = request.json
        content = (base64.b64decode(body["content"]) if body.get("encoding") == "base64"
                   else body["content"].encode())
        blob = blob_id(content)
        found.git.blobs[blob] = content
        return Reply(201, {"sha": blob, "url": f"{self.api_url}/repos/{found.org}/{found.name}"
                                              f"/git/blobs/{blob}"},
                     headers=self._headers(request.principal))

    @handles("create_tree")
    def create_tree(self, request: SimRequest, owner: str, repo: str) -> Reply:
        found = self._writable(request, owner, repo)
        body = request.json
        base = body.get("base_tree")
        if base is not None and base not in found.git.trees:
            raise Reply(422, {"message": "Invalid tree info", "documentation_url": DOCS,
                              "errors": [{"resource": "Tree", "code": "invalid",
                                          "field": "base_tree"}]})
        files = dict(found.git.trees[base]) if base else {}
        for entry in body["tree"]:
            if entry.get("sha") is None and "content" not in entry:
                files.pop(entry["path"], None)
            elif "content" in entry:
                files[entry["path"]] = entry["content"].encode()
            elif entry["sha"] in found.git.blobs:
                files[entry["path"]] = found.git.blobs[entry["sha"]]
            else:
                raise Reply(422, {"message": "Invalid tree info", "documentation_url": DOCS,
                                  "errors": [{"resource": "Tree", "code": "invalid",
                                              "field": "tree.sha"}]})
        sha = found.git.store_tree(files)
        return Reply(201, {"sha": sha, "url": f"{self.api_url}/repos/{found.org}/{found.name}"
                                             f"/git/trees/{sha}", "truncated": False,
                           "tree": [{"path": path, "mode": "100644", "type": "blob",
                                     "sha": blob_id(content)}
                                    for path, content in sorted(files.items())]},
                     headers=self._headers(request.principal))

    @handles("create_commit")
    def create_commit(self, request: SimRequest, owner: str, repo: str) -> Reply:
        found = self._writable(request, owner, repo)
        body = request.json
        parents = tuple(body.get("parents") or ())
        if body["tree"] not in found.git.trees or any(p not in found.git.commits
                                                      for p in parents):
            raise Reply(422, {"message": "Tree SHA does not exist", "documentation_url": DOCS})
        author = body.get("author") or {"name": "The Octocat", "email": "octocat@example.com"}
        commit = found.git.make_commit(found.git.trees[body["tree"]], parents, body["message"],
                                       author["name"], author["email"])
        return Reply(201, self._commit_json(found, commit.sha),
                     headers=self._headers(request.principal))

    @handles("update_ref")
    def update_ref(self, request: SimRequest, owner: str, repo: str, ref: str) -> Reply:
        found = self._writable(request, owner, repo)
        branch = unquote(ref).removeprefix("heads/")
        new = request.json["sha"]
        with found.git.lock:
            current = found.git.branches.get(branch)
            if current is None:
                raise Reply(422, {"message": "Reference does not exist",
                                  "documentation_url": DOCS})
            if new not in found.git.commits:
                raise Reply(422, {"message": "Object does not exist", "documentation_url": DOCS})
            ancestors = {c.sha for c in _ancestry(found.git, new)}
            if current not in ancestors and not request.json.get("force"):
                raise Reply(422, {"message": "Update is not a fast forward",
                                  "documentation_url": DOCS})
            found.git.branches[branch] = new
        return Reply(200, self._ref_json(found, branch, new),
                     headers=self._headers(request.principal))

    @handles("create_ref")
    def create_ref(self, request: SimRequest, owner: str, repo: str) -> Reply:
        found = self._writable(request, owner, repo)
        branch = request.json["ref"].removeprefix("refs/heads/")
        if request.json["sha"] not in found.git.commits:
            raise Reply(422, {"message": "Object does not exist", "documentation_url": DOCS})
        if not found.git.move_branch(branch, request.json["sha"], None):
            raise Reply(422, {"message": "Reference already exists", "documentation_url": DOCS})
        return Reply(201, self._ref_json(found, branch, request.json["sha"]),
                     headers=self._headers(request.principal))

    @handles("get_content")
    def get_content(self, request: SimRequest, owner: str, repo: str, path: str) -> Reply:
        found = self._repo(request.principal, owner, repo)
        branch = request.query.get("ref") or found.git.default_branch or "main"
        tip = found.git.tip(branch) or found.git.commits.get(branch)  # a branch or a SHA
        path = unquote(path)
        if tip is None or path not in tip.files:
            raise error(404, "Not Found", status="404")
        content = tip.files[path]
        return Reply(200, {"type": "file", "encoding": "base64", "size": len(content),
                           "name": path.rsplit("/", 1)[-1], "path": path,
                           "content": base64.encodebytes(content).decode(),
                           "sha": blob_id(content), "url": "", "git_url": None,
                           "html_url": None, "download_url": None,
                           "_links": {"self": "", "git": None, "html": None}},
                     headers=self._headers(request.principal))

    @handles("put_content")
    def put_content(self, request: SimRequest, owner: str, repo: str, path: str) -> Reply:
        found = self._repo(request.principal, owner, repo)
        self._require(request.principal, "repo", "contents:write", "Not Found")
        body = request.json
        branch = body.get("branch") or found.git.default_branch or "main"
        path = unquote(path)
        tip = found.git.tip(branch)
        if tip is not None and path in tip.files and body.get("sha") is None:
            raise Reply(422, {"message": "Invalid request.\n\n\"sha\" wasn't supplied.",
                              "documentation_url": DOCS})
        author = body.get("author") or {"name": "The Octocat", "email": "octocat@example.com"}
        commit = found.git.commit_on(branch, {path: base64.b64decode(body["content"])},
                                     body["message"], author["name"], author["email"])
        return Reply(201 if tip is None or path not in tip.files else 200,
                     {"content": {"name": path.rsplit("/", 1)[-1], "path": path,
                                  "sha": blob_id(commit.files[path])},
                      "commit": self._commit_json(found, commit.sha)},
                     headers=self._headers(request.principal))

    def _writable(self, request: SimRequest, owner: str, repo: str) -> Repo:
        found = self._repo(request.principal, owner, repo)
        self._require(request.principal, "repo", "contents:write", "Not Found")
        self._nonempty(found)
        return found


def _ancestry(git: GitRepo, sha: str):
    stack = [sha]
    while stack:
        commit = git.commits[stack.pop()]
        yield commit
        stack.extend(commit.parents)


def _settings(sim: GitHubSimulator, **overrides) -> ProviderSettings:
    values = {"allow_private_hosts": True,  # simulators listen on 127.0.0.1
              "kind": "github", "host": sim.url, "organization": "acme",
              "username": "octocat", "token": GOOD_TOKEN, **overrides}
    return ProviderSettings(**values)


def _git(sim: GitHubSimulator, repo_name: str) -> GitRepo | None:
    found = sim.repo("acme", repo_name)
    return found.git if found else None


HARNESS = Harness(
    kind="github",
    simulator=GitHubSimulator,
    provider=GitHubProvider,
    settings=_settings,
    git=_git,
    operations={"identity": "get_user", "namespace": "get_org", "create": "create_org_repo",
                "commit": "create_commit", "read": "get_content", "delete": "delete_repo",
                "branch": "get_ref",
                "open_request": "create_pull", "close_request": "update_pull"},
    tokens={"good": GOOD_TOKEN, "wrong": WRONG_TOKEN, "no_delete": NO_DELETE_TOKEN,
            "no_create": NO_REPO_TOKEN},
    unknown_namespace={"organization": "no-such-org"},
    error_body=lambda status, message: {"message": message, "documentation_url": DOCS},
    initial_files={"README.md"},
)
