"""The review half of the Bitbucket Cloud simulator: pull requests, branch deletion and
directory listings (PROVIDER-APIS.md §4j).

Quirks kept from the real service: states are OPEN, MERGED, DECLINED (and SUPERSEDED);
merge_commit is left out until the merge (null or absent is [U]; the official schema
allows no null); pull requests need the pullrequest scopes;
lists are paginated (pagelen 10 by default) with a `next` link to follow; q filters by
branch in Bitbucket's filter language (anything else here is a 400); deleting the main
branch is 400; a directory listing needs its trailing slash (the root is "src/<commit>/":
without it no operation matches), walks max_depth levels breadth-first and is paginated.
What Bitbucket answers to a second pull request for the same branches is [U]: this
simulator opens a second one, so only a client that looks first passes.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlencode

from tests.fakes.reviews import CLOSED, MERGED, OPEN, Review
from tests.fakes.simulator import Reply, SimRequest, handles

if TYPE_CHECKING:
    from tests.fakes.bitbucket_cloud import Repo

STATES = {OPEN: "OPEN", MERGED: "MERGED", CLOSED: "DECLINED"}


def error(status: int, message: str, headers: dict | None = None, **extra) -> Reply:
    """An error in Bitbucket's shape: {"type": "error", "error": {"message": ...}}."""
    return Reply(status, {"type": "error", "error": {"message": message, **extra}},
                 headers=headers)
CONDITION = re.compile(r'\s*(source|destination)\.branch\.name\s*=\s*"((?:[^"\\]|\\.)*)"\s*')


def _stamp(when: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime(when)) if when else None


class BitbucketCloudReviews:
    """The handlers of BitbucketCloudSimulator for pull requests, branches and listings."""

    @handles("create_pull_request")
    def create_pull_request(self, request: SimRequest, workspace: str, repo_slug: str) -> Reply:
        self._require(request, "write:pullrequest:bitbucket")
        found = self._repo(request, workspace, repo_slug)
        body, git = request.json, found.git
        source = body["source"]["branch"]["name"]
        target = ((body.get("destination") or {}).get("branch") or {}).get("name") \
            or git.default_branch
        if source not in git.branches:
            raise error(400, f"source: branch {source} not found",
                        fields={"source": [f"branch {source} not found"]})
        if target not in git.branches:
            raise error(400, f"destination: branch {target} not found",
                        fields={"destination": [f"branch {target} not found"]})
        review = git.reviews.open(source, target, body["title"], body.get("description", ""),
                                  request.principal.account.display_name)
        pull = self._pull_json(found, review)
        return Reply(201, pull, headers={**self._headers(request.principal),
                                         "Location": pull["links"]["self"]["href"]})

    @handles("list_pull_requests")
    def list_pull_requests(self, request: SimRequest, workspace: str, repo_slug: str) -> Reply:
        self._require(request, "read:pullrequest:bitbucket")
        found = self._repo(request, workspace, repo_slug)
        states = request.raw.args.getlist("state") or ["OPEN"]  # repeatable
        wanted = {}
        if request.query.get("q"):
            for condition in request.query["q"].split(" AND "):
                match = CONDITION.fullmatch(condition)
                if match is None:
                    raise error(400, f"Invalid filter: {request.query['q']}")
                wanted[match.group(1)] = re.sub(r"\\(.)", r"\1", match.group(2))
        pulls = [self._pull_json(found, review) for review in found.git.reviews.find()
                 if STATES[review.state] in states
                 and wanted.get("source", review.source) == review.source
                 and wanted.get("destination", review.target) == review.target]
        return self._reply(request, 200, self._page(request, pulls))

    @handles("get_pull_request")
    def get_pull_request(self, request: SimRequest, workspace: str, repo_slug: str,
                         pull_request_id: str) -> Reply:
        self._require(request, "read:pullrequest:bitbucket")
        found = self._repo(request, workspace, repo_slug)
        return self._reply(request, 200,
                           self._pull_json(found, self._review(found, pull_request_id)))

    @handles("decline_pull_request")
    def decline_pull_request(self, request: SimRequest, workspace: str, repo_slug: str,
                             pull_request_id: str) -> Reply:
        self._require(request, "write:pullrequest:bitbucket")
        found = self._repo(request, workspace, repo_slug)
        review = found.git.reviews.close(self._review(found, pull_request_id).number)
        return self._reply(request, 200, self._pull_json(found, review))

    @handles("delete_branch")
    def delete_branch(self, request: SimRequest, workspace: str, repo_slug: str,
                      name: str) -> Reply:
        self._require(request, "write:repository:bitbucket")
        found = self._repo(request, workspace, repo_slug)
        git, branch = found.git, unquote(name)
        with git.lock:
            if branch not in git.branches:
                raise error(404, f"Branch \"{branch}\" not found")
            if branch == git.default_branch:
                raise error(400, "Cannot delete the main branch.")
            del git.branches[branch]
        return self._reply(request, 204)

    @handles("list_directory")
    def list_directory(self, request: SimRequest, workspace: str, repo_slug: str,
                       commit: str, path: str) -> Reply:
        self._require(request, "read:repository:bitbucket")
        found = self._repo(request, workspace, repo_slug)
        revision = unquote(commit)
        sha = found.git.branches.get(revision, revision)
        if sha not in found.git.commits:
            raise error(404, "Commit not found")
        directory = unquote(path).strip("/")
        depth = max(1, int(request.query.get("max_depth") or 1))
        entries = _entries(found.git.commits[sha].files, directory, depth, sha)
        if directory and not entries:
            raise error(404, f"No such file or directory: {directory}")
        return self._reply(request, 200, self._page(request, entries))

    # --- helpers ----------------------------------------------------------------------

    def _review(self, found: Repo, number: str) -> Review:
        review = found.git.reviews.get(int(number)) if number.isdigit() else None
        if review is None:
            raise error(404, f"Pull request {number} not found")
        return review

    def _page(self, request: SimRequest, values: list) -> dict:
        """One page of values, with the next link Bitbucket sends (follow it, §4h)."""
        pagelen = max(1, min(100, int(request.query.get("pagelen") or 10)))
        page = max(1, int(request.query.get("page") or 1))
        body = {"pagelen": pagelen, "page": page,
                "values": values[(page - 1) * pagelen:page * pagelen]}
        if page * pagelen < len(values):
            query = [(key, value) for key, values_ in request.raw.args.lists()
                     for value in values_ if key != "page"] + [("page", str(page + 1))]
            body["next"] = f"{self.url}{request.raw.path}?{urlencode(query)}"
        return body

    def _pull_json(self, found: Repo, review: Review) -> dict:
        api = f"{self.api_url}/repositories/{found.workspace}/{found.slug}"
        git = found.git
        head, target = git.reviews.head(review), git.branches.get(review.target)
        body = {"type": "pullrequest", "id": review.number, "title": review.title,
                "description": review.description, "state": STATES[review.state],
                "author": {"type": "user", "display_name": review.author},
                "source": {"branch": {"name": review.source},
                           "commit": {"hash": (head or "")[:12]}},
                "destination": {"branch": {"name": review.target},
                                "commit": {"hash": (target or "")[:12]}},
                "close_source_branch": False, "comment_count": 0, "task_count": 0,
                "created_on": _stamp(review.created_at), "updated_on": _stamp(time.time()),
                "links": {"self": {"href": f"{api}/pullrequests/{review.number}"},
                          "html": {"href": f"{self.url}/{found.workspace}/{found.slug}/"
                                           f"pull-requests/{review.number}"}}}
        if review.state == MERGED:  # absent before: the official schema has no null (§4j)
            body["merge_commit"] = {"hash": review.merge_commit[:12]}
        if review.state == CLOSED:
            body["reason"] = ""
        return body


def _entries(files: dict[str, bytes], directory: str, depth: int, sha: str) -> list[dict]:
    """commit_file and commit_directory entries under directory, breadth-first to depth."""
    prefix = f"{directory}/" if directory else ""
    found: dict[str, dict] = {}
    for path, content in files.items():
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix):].split("/")
        for level in range(1, min(depth, len(parts)) + 1):
            below = prefix + "/".join(parts[:level])
            if level < len(parts):
                found.setdefault(below, {"type": "commit_directory", "path": below,
                                         "commit": {"type": "commit", "hash": sha}})
            else:
                found[below] = {"type": "commit_file", "path": below, "size": len(content),
                                "commit": {"type": "commit", "hash": sha}, "attributes": []}
    return sorted(found.values(), key=lambda entry: (entry["path"].count("/"), entry["path"]))
