"""The review half of the Azure DevOps simulator: pull requests and ref updates
(PROVIDER-APIS.md §3j).

Quirks kept from the real service: a pull request is active, completed or abandoned,
answers no web URL (only the API url) and numbers are unique across the organization; a
second active request for the same source and target is 409 TF401179 [O]; lists come as
{count, value}; POST refs answers 200 with a result per ref whose `success` says whether
it happened: a stale oldObjectId is success false, staleOldObjectId (still 200: [U]), and
a newObjectId of forty zeros deletes the branch [O]; a missing source branch is 400
TF401398 [U].
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from tests.fakes.azure_answers import answer, error, listed
from tests.fakes.git import ZERO_SHA
from tests.fakes.reviews import CLOSED, MERGED, OPEN, Review
from tests.fakes.simulator import Reply, SimRequest, handles

if TYPE_CHECKING:
    from tests.fakes.azure_devops import Repo

STATUSES = {OPEN: "active", MERGED: "completed", CLOSED: "abandoned"}


def _stamp(when: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime(when)) if when else None


class AzureDevOpsReviews:
    """The handlers of AzureDevOpsSimulator for pull requests and ref updates."""

    @handles("create_pull_request")
    def create_pull_request(self, request: SimRequest, organization: str, project: str,
                            repositoryId: str) -> Reply:
        repo = self._repo(request, organization, project, repositoryId, "vso.code_write",
                          "PullRequestContribute")
        body, git = request.json, repo.git
        source = body["sourceRefName"].removeprefix("refs/heads/")
        target = body["targetRefName"].removeprefix("refs/heads/")
        if source not in git.branches or target not in git.branches:
            raise error(400, "TF401398: The pull request cannot be activated because the "
                             "source and/or the target branch no longer exists, or the "
                             "requested refs are not branches", "InvalidArgumentValueException",
                        "Microsoft.TeamFoundation.Framework")
        if git.reviews.find(OPEN, source, target):
            raise error(409, "TF401179: An active pull request for the source and target "
                             "branch already exists.", "GitPullRequestExistsException")
        review = git.reviews.open(source, target, body["title"], body.get("description", ""),
                                  request.principal.name, number=next(self._pull_ids))
        return answer(201, self._pull_request_json(repo, review, queued=True))

    @handles("list_pull_requests")
    def list_pull_requests(self, request: SimRequest, organization: str, project: str,
                           repositoryId: str) -> Reply:
        repo = self._repo(request, organization, project, repositoryId)
        query = request.query
        status = query.get("searchCriteria.status", "active")
        source = query.get("searchCriteria.sourceRefName")
        target = query.get("searchCriteria.targetRefName")
        return listed([self._pull_request_json(repo, review)
                       for review in reversed(repo.git.reviews.find())
                       if status == "all" or STATUSES[review.state] == status
                       if source in (None, f"refs/heads/{review.source}")
                       if target in (None, f"refs/heads/{review.target}")])

    @handles("get_pull_request")
    def get_pull_request(self, request: SimRequest, organization: str, project: str,
                         repositoryId: str, pullRequestId: str) -> Reply:
        repo = self._repo(request, organization, project, repositoryId)
        return answer(200, self._pull_request_json(repo, self._review(repo, pullRequestId)))

    @handles("update_pull_request")
    def update_pull_request(self, request: SimRequest, organization: str, project: str,
                            repositoryId: str, pullRequestId: str) -> Reply:
        repo = self._repo(request, organization, project, repositoryId, "vso.code_write",
                          "PullRequestContribute")
        review = self._review(repo, pullRequestId)
        if request.json["status"] == "abandoned":
            repo.git.reviews.close(review.number)
        return answer(200, self._pull_request_json(repo, review))

    @handles("update_refs")
    def update_refs(self, request: SimRequest, organization: str, project: str,
                    repositoryId: str) -> Reply:
        repo = self._repo(request, organization, project, repositoryId, "vso.code_write",
                          "GenericContribute")
        git, results = repo.git, []
        with git.lock:
            for update in request.json:
                branch = update["name"].removeprefix("refs/heads/")
                old, new = update["oldObjectId"], update["newObjectId"]
                status = "succeeded"
                if (git.branches.get(branch) or ZERO_SHA) != old:
                    status = "staleOldObjectId"
                elif new != ZERO_SHA and new not in git.commits:
                    status = "unresolvableToCommit"
                elif new == ZERO_SHA:
                    del git.branches[branch]
                else:
                    git.branches[branch] = new
                results.append({"repositoryId": repo.id, "name": update["name"],
                                "oldObjectId": old, "newObjectId": new, "isLocked": False,
                                "updateStatus": status, "success": status == "succeeded"})
        return listed(results)

    # --- helpers ----------------------------------------------------------------------

    def _review(self, repo: Repo, number: str) -> Review:
        review = repo.git.reviews.get(int(number)) if number.isdigit() else None
        if review is None:
            raise error(404, "TF401180: The requested pull request was not found.",
                        "GitPullRequestNotFoundException")
        return review

    def _pull_request_json(self, repo: Repo, review: Review, queued: bool = False) -> dict:
        api = (f"{self.url}/acme/{repo.project.id}/_apis/git/repositories/{repo.id}")
        git = repo.git
        head, target = git.reviews.head(review), git.branches.get(review.target)

        def commit(sha: str | None) -> dict:
            return {"commitId": sha, "url": f"{api}/commits/{sha}"}

        body = {"repository": {"id": repo.id, "name": repo.name,
                               "url": f"{self.url}/acme/_apis/git/repositories/{repo.id}",
                               "remoteUrl": self._repo_json(repo)["remoteUrl"]},
                "pullRequestId": review.number, "codeReviewId": review.number,
                "status": STATUSES[review.state], "title": review.title,
                "description": review.description, "creationDate": _stamp(review.created_at),
                "sourceRefName": f"refs/heads/{review.source}",
                "targetRefName": f"refs/heads/{review.target}",
                "mergeStatus": "queued" if queued else "succeeded",
                "url": f"{api}/pullRequests/{review.number}",
                "lastMergeSourceCommit": commit(head)}
        if target:
            body["lastMergeTargetCommit"] = commit(target)
        if review.state == MERGED:
            body["lastMergeCommit"] = commit(review.merge_commit)
        if review.state != OPEN:
            body["closedDate"] = _stamp(review.closed_at)
        return body
