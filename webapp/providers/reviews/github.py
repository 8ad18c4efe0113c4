"""GitHub's pull requests and branch deletion (PROVIDER-APIS.md §1j)."""

from __future__ import annotations

from webapp.providers.base import AlreadyExists, NotFound, Repository
from webapp.providers.changes import CLOSED, MERGED, OPEN, ChangeRequest
from webapp.providers.commits.github import full_path
from webapp.providers.http import path_segments, segment


class GitHubReviews:
    """Pull requests and branches of GitHubProvider (uses its http seam)."""

    def open_change_request(self, repo: Repository, source_branch: str, target_branch: str,
                            title: str, description: str) -> ChangeRequest:
        """Open a pull request, or return the one already open for source into target.

        One request; two when one is open already: GitHub refuses a second with 422 "A
        pull request already exists for owner:branch." ([O] §1j), then the list finds it.
        """
        # Reference: https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request
        what = f"open a pull request from {source_branch} into {target_branch} of {repo.id}"
        try:
            response = self.http.request(
                "POST", f"/repos/{full_path(repo)}/pulls", ok=(201,), what=what,
                json={"title": title, "head": source_branch, "base": target_branch,
                      "body": description})
        except AlreadyExists:
            found = self._open_pull(repo, source_branch, target_branch)
            if found is None:  # "already exists" yet not open: closed meanwhile, or a bug
                raise
            return found
        return _change(self.http.json(response, what), created=True)

    def change_request(self, repo: Repository, number: str) -> ChangeRequest:
        """The pull request as it is now: one request."""
        # Reference: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
        what = f"read the pull request #{number} of {repo.id}"
        response = self.http.request("GET", f"/repos/{full_path(repo)}/pulls/{segment(number)}",
                                     what=what)
        return _change(self.http.json(response, what))

    def close_change_request(self, repo: Repository, number: str) -> ChangeRequest:
        """Close the pull request without merging it."""
        # Not in the subset of GitHub's description the contract tests read (§1j covers
        # open, list and get); documented as "Update a pull request".
        # Reference: https://docs.github.com/en/rest/pulls/pulls#update-a-pull-request
        what = f"close the pull request #{number} of {repo.id}"
        response = self.http.request(
            "PATCH", f"/repos/{full_path(repo)}/pulls/{segment(number)}", what=what,
            json={"state": "closed"})
        return _change(self.http.json(response, what))

    def delete_branch(self, repo: Repository, branch: str) -> bool:
        """Delete the branch; False if there was none (422 "Reference does not exist")."""
        # heads/<branch>, the form GET git/ref documents (§1j: [U] for DELETE).
        # Reference: https://docs.github.com/en/rest/git/refs#delete-a-reference
        try:
            self.http.request(
                "DELETE", f"/repos/{full_path(repo)}/git/refs/heads/{path_segments(branch)}",
                ok=(204,), what=f"delete the branch {branch} of {repo.id}")
        except NotFound:
            return False
        return True

    def _open_pull(self, repo: Repository, source: str, target: str) -> ChangeRequest | None:
        """The open pull request from source into target, if any."""
        owner = repo.id.partition("/")[0]
        # Reference: https://docs.github.com/en/rest/pulls/pulls#list-pull-requests
        what = f"find the open pull request from {source} into {target} of {repo.id}"
        response = self.http.request(
            "GET", f"/repos/{full_path(repo)}/pulls", what=what,
            params={"state": "open", "head": f"{owner}:{source}", "base": target})
        return next((_change(pull) for pull in self.http.json(response, what)), None)


def _change(pull: dict, created: bool = False) -> ChangeRequest:
    """GitHub's pull request: state open or closed, merged in merged/merged_at (list items
    have only merged_at); merge_commit_sha is a test merge until then (§1j [P])."""
    merged = bool(pull.get("merged")) or pull.get("merged_at") is not None
    state = MERGED if merged else OPEN if pull["state"] == "open" else CLOSED
    return ChangeRequest(str(pull["number"]), pull["html_url"], state, pull["head"]["ref"],
                         pull["base"]["ref"], pull.get("merge_commit_sha") if merged else None,
                         created)
