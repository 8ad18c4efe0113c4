"""GitLab's merge requests and branch deletion (PROVIDER-APIS.md §2j)."""

from __future__ import annotations

import re

from webapp.providers.base import AlreadyExists, NotFound, Repository
from webapp.providers.changes import CLOSED, MERGED, OPEN, ChangeRequest
from webapp.providers.http import segment

STATES = {"opened": OPEN, "locked": OPEN, "merged": MERGED, "closed": CLOSED}  # locked: brief


class GitLabReviews:
    """Merge requests and branches of GitLabProvider (uses its http seam)."""

    def open_change_request(self, repo: Repository, source_branch: str, target_branch: str,
                            title: str, description: str) -> ChangeRequest:
        """Open a merge request, or return the one already open for source into target.

        One request; two when one is open already: GitLab refuses a second with 409
        "Another open merge request already exists for this source branch: !<iid>" ([O]
        §2j), whose iid is then read.
        """
        # Reference: https://docs.gitlab.com/api/merge_requests/#create-mr
        what = f"open a merge request from {source_branch} into {target_branch} of {repo.name}"
        try:
            response = self.http.request(
                "POST", f"/projects/{segment(repo.id)}/merge_requests", ok=(201,), what=what,
                json={"source_branch": source_branch, "target_branch": target_branch,
                      "title": title, "description": description})
        except AlreadyExists as exists:
            iid = re.search(r"!(\d+)", exists.provider_message)
            found = self.change_request(repo, iid.group(1)) if iid else None
            if found is None or (found.state, found.source_branch, found.target_branch) != (
                    OPEN, source_branch, target_branch):
                raise
            return found
        return _change(self.http.json(response, what), created=True)

    def change_request(self, repo: Repository, number: str) -> ChangeRequest:
        """The merge request as it is now: one request."""
        # Reference: https://docs.gitlab.com/api/merge_requests/#get-single-mr
        what = f"read the merge request !{number} of {repo.name}"
        response = self.http.request(
            "GET", f"/projects/{segment(repo.id)}/merge_requests/{segment(number)}", what=what)
        return _change(self.http.json(response, what))

    def close_change_request(self, repo: Repository, number: str) -> ChangeRequest:
        """Close the merge request without merging it."""
        # Not in gitlab.json (§2j covers open, list and get); documented as "Update MR".
        # Reference: https://docs.gitlab.com/api/merge_requests/#update-mr
        what = f"close the merge request !{number} of {repo.name}"
        response = self.http.request(
            "PUT", f"/projects/{segment(repo.id)}/merge_requests/{segment(number)}", what=what,
            json={"state_event": "close"})
        return _change(self.http.json(response, what))

    def delete_branch(self, repo: Repository, branch: str) -> bool:
        """Delete the branch; False if there was none."""
        # Reference: https://docs.gitlab.com/api/branches/#delete-repository-branch
        try:
            self.http.request(
                "DELETE", f"/projects/{segment(repo.id)}/repository/branches/{segment(branch)}",
                ok=(204,), what=f"delete the branch {branch} of {repo.name}")
        except NotFound:
            return False
        return True


def _change(merge_request: dict, created: bool = False) -> ChangeRequest:
    """GitLab's merge request. Which SHA a merge leaves on the target: the merge commit,
    else the squash commit, else (fast-forward) the head itself (§2j [U] mapping)."""
    state = STATES[merge_request["state"]]
    merge_commit = None
    if state == MERGED:
        merge_commit = (merge_request.get("merge_commit_sha")
                        or merge_request.get("squash_commit_sha") or merge_request.get("sha"))
    return ChangeRequest(str(merge_request["iid"]), merge_request["web_url"], state,
                         merge_request["source_branch"], merge_request["target_branch"],
                         merge_commit, created)
