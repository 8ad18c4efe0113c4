"""Bitbucket Cloud's pull requests and branch deletion (PROVIDER-APIS.md §4j)."""

from __future__ import annotations

from webapp.providers.base import NotFound, ProviderError, Repository
from webapp.providers.changes import CLOSED, MERGED, OPEN, ChangeRequest
from webapp.providers.commits.bitbucket_cloud import repo_path
from webapp.providers.http import segment

STATES = {"OPEN": OPEN, "MERGED": MERGED, "DECLINED": CLOSED, "SUPERSEDED": CLOSED}


class BitbucketCloudReviews:
    """Pull requests and branches of BitbucketCloudProvider (uses its http seam)."""

    def open_change_request(self, repo: Repository, source_branch: str, target_branch: str,
                            title: str, description: str) -> ChangeRequest:
        """Open a pull request, or return the one already open for source into target.

        Looked up first: what Bitbucket answers to a second request for the same branches
        is not known (§4j [U]); if it opened a second one, looking afterwards could not
        undo it. So two requests for a new one, one when one is open (which a redeploy of
        the same revision finds).
        """
        found = self._open_pull(repo, source_branch, target_branch)
        if found is not None:
            return found
        # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-pullrequests/#api-repositories-workspace-repo-slug-pullrequests-post
        what = f"open a pull request from {source_branch} into {target_branch} of {repo.id}"
        try:
            response = self.http.request(
                "POST", f"{repo_path(repo.id)}/pullrequests", ok=(201,), what=what,
                json={"type": "pullrequest", "title": title, "description": description,
                      "source": {"branch": {"name": source_branch}},
                      "destination": {"branch": {"name": target_branch}}})
        except ProviderError:
            # Someone opened one between our look and our request, and Bitbucket said so?
            found = self._open_pull(repo, source_branch, target_branch)
            if found is None:
                raise
            return found
        return _change(self.http.json(response, what), created=True)

    def change_request(self, repo: Repository, number: str) -> ChangeRequest:
        """The pull request as it is now: one request."""
        # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-pullrequests/#api-repositories-workspace-repo-slug-pullrequests-pull-request-id-get
        what = f"read the pull request #{number} of {repo.id}"
        response = self.http.request(
            "GET", f"{repo_path(repo.id)}/pullrequests/{segment(number)}", what=what)
        return _change(self.http.json(response, what))

    def close_change_request(self, repo: Repository, number: str) -> ChangeRequest:
        """Decline the pull request (Bitbucket's word for closing without merging)."""
        # Not in bitbucket.json (§4j covers open, list and get).
        # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-pullrequests/#api-repositories-workspace-repo-slug-pullrequests-pull-request-id-decline-post
        what = f"decline the pull request #{number} of {repo.id}"
        response = self.http.request(
            "POST", f"{repo_path(repo.id)}/pullrequests/{segment(number)}/decline", what=what)
        return _change(self.http.json(response, what))

    def delete_branch(self, repo: Repository, branch: str) -> bool:
        """Delete the branch; False if there was none."""
        # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-refs/#api-repositories-workspace-repo-slug-refs-branches-name-delete
        try:
            self.http.request("DELETE", f"{repo_path(repo.id)}/refs/branches/{segment(branch)}",
                              ok=(204,), what=f"delete the branch {branch} of {repo.id}")
        except NotFound:
            return False
        return True

    def _open_pull(self, repo: Repository, source: str, target: str) -> ChangeRequest | None:
        """The open pull request from source into target, if any (one page: at most one)."""
        query = (f'source.branch.name = "{_quoted(source)}" AND '
                 f'destination.branch.name = "{_quoted(target)}"')
        # Reference: https://developer.atlassian.com/cloud/bitbucket/rest/api-group-pullrequests/#api-repositories-workspace-repo-slug-pullrequests-get
        what = f"find the open pull request from {source} into {target} of {repo.id}"
        response = self.http.request("GET", f"{repo_path(repo.id)}/pullrequests", what=what,
                                     params={"state": "OPEN", "q": query})
        return next((_change(pull) for pull in self.http.json(response, what)["values"]), None)


def _quoted(name: str) -> str:
    """A branch name inside a double-quoted string of Bitbucket's filter language."""
    return name.replace("\\", "\\\\").replace('"', '\\"')


def _change(pull: dict, created: bool = False) -> ChangeRequest:
    """Bitbucket's pull request: DECLINED and SUPERSEDED both count as closed."""
    state = STATES[pull["state"]]
    merge_commit = (pull.get("merge_commit") or {}).get("hash") if state == MERGED else None
    return ChangeRequest(str(pull["id"]), pull["links"]["html"]["href"], state,
                         pull["source"]["branch"]["name"], pull["destination"]["branch"]["name"],
                         merge_commit, created)
