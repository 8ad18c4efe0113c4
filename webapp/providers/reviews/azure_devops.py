"""Azure DevOps' pull requests and branch deletion (PROVIDER-APIS.md §3j)."""

from __future__ import annotations

from webapp.providers.base import AlreadyExists, Conflict, Repository, UnexpectedResponse
from webapp.providers.changes import CLOSED, MERGED, OPEN, ChangeRequest
from webapp.providers.commits.azure_devops import NO_COMMIT
from webapp.providers.http import segment

STATUSES = {"active": OPEN, "completed": MERGED, "abandoned": CLOSED}


class AzureDevOpsReviews:
    """Pull requests and branches of AzureDevOpsProvider (uses its http seam, _git, _json)."""

    def open_change_request(self, repo: Repository, source_branch: str, target_branch: str,
                            title: str, description: str) -> ChangeRequest:
        """Open a pull request, or return the one already active for source into target.

        One request; two when one is active already: Azure refuses a second with 409
        TF401179 ([O] §3j), then the list finds it.
        """
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/pull-requests/create?view=azure-devops-rest-7.1
        what = f"open a pull request from {source_branch} into {target_branch} of {repo.name}"
        try:
            response = self.http.request(
                "POST", self._pulls(repo), ok=(200, 201), what=what,
                json={"sourceRefName": f"refs/heads/{source_branch}",
                      "targetRefName": f"refs/heads/{target_branch}", "title": title,
                      "description": description})
        except AlreadyExists:
            found = self._active_pull(repo, source_branch, target_branch)
            if found is None:
                raise
            return found
        return _change(repo, self._json(response, what), created=True)

    def change_request(self, repo: Repository, number: str) -> ChangeRequest:
        """The pull request as it is now: one request."""
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/pull-requests/get-pull-request?view=azure-devops-rest-7.1
        what = f"read the pull request {number} of {repo.name}"
        response = self.http.request("GET", f"{self._pulls(repo)}/{segment(number)}", what=what)
        return _change(repo, self._json(response, what))

    def close_change_request(self, repo: Repository, number: str) -> ChangeRequest:
        """Abandon the pull request (Azure's word for closing without merging)."""
        # Not in azure-git.json (§3j covers create, list and get); documented as "Update".
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/pull-requests/update?view=azure-devops-rest-7.1
        what = f"abandon the pull request {number} of {repo.name}"
        response = self.http.request("PATCH", f"{self._pulls(repo)}/{segment(number)}",
                                     what=what, json={"status": "abandoned"})
        return _change(repo, self._json(response, what))

    def delete_branch(self, repo: Repository, branch: str) -> bool:
        """Delete the branch: its tip, then a ref update to forty zeros naming that tip."""
        tip = self._branch_tip(repo, branch)
        if tip is None:
            return False
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/refs/update-refs?view=azure-devops-rest-7.1
        what = f"delete the branch {branch} of {repo.name}"
        response = self.http.request(
            "POST", self._git(f"/repositories/{segment(repo.id)}/refs"), what=what,
            json=[{"name": f"refs/heads/{branch}", "oldObjectId": tip,
                   "newObjectId": NO_COMMIT}])
        result = self._json(response, what)["value"][0]
        # 200 whatever happened: success says whether the ref really went (§3j [P]).
        if result["success"]:
            return True
        status = result.get("updateStatus", "")
        message = f"Azure DevOps did not delete the branch {branch} of {repo.name} ({status})."
        if status == "staleOldObjectId":
            raise Conflict(message, status=200, provider_message=status,
                           hint="Someone pushed to it meanwhile; try again.")
        raise UnexpectedResponse(message, status=200,
                                 provider_message=result.get("customMessage") or status)

    def _active_pull(self, repo: Repository, source: str, target: str) -> ChangeRequest | None:
        # Reference: https://learn.microsoft.com/en-us/rest/api/azure/devops/git/pull-requests/get-pull-requests?view=azure-devops-rest-7.1
        what = f"find the active pull request from {source} into {target} of {repo.name}"
        response = self.http.request(
            "GET", self._pulls(repo), what=what,
            params={"searchCriteria.sourceRefName": f"refs/heads/{source}",
                    "searchCriteria.targetRefName": f"refs/heads/{target}",
                    "searchCriteria.status": "active"})
        return next((_change(repo, pull) for pull in self._json(response, what)["value"]), None)

    def _pulls(self, repo: Repository) -> str:
        return self._git(f"/repositories/{segment(repo.id)}/pullrequests")


def _change(repo: Repository, pull: dict, created: bool = False) -> ChangeRequest:
    """Azure's pull request. It carries no web URL: the page is the repository's web URL
    plus /pullrequest/<id> ([O] MicrosoftDocs/vsts-rest-api-specs#271, atlantis#1045)."""
    state = STATUSES[pull["status"]]
    merge_commit = (pull.get("lastMergeCommit") or {}).get("commitId") \
        if state == MERGED else None  # what it is after a squash is [U] (§3j)
    number = str(pull["pullRequestId"])
    return ChangeRequest(number, f"{repo.web_url}/pullrequest/{number}", state,
                         pull["sourceRefName"].removeprefix("refs/heads/"),
                         pull["targetRefName"].removeprefix("refs/heads/"), merge_commit,
                         created)
