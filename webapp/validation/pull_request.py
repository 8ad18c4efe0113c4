"""The pull_request stage: the token may start a branch and open a pull/merge request.

Run only for configurations in pull-request mode (ValidationPlan.pull_requests). It does
what such a deploy does: a commit on a new branch off the configured branch, then a
request into it. In the throw-away repository nothing more is needed (deleting the
repository removes its branches and requests); in an administrator's repository the
request is closed and the branch deleted at once, and a failure to do so is a warning
naming what to remove by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.providers.base import Provider, ProviderError, Repository
from webapp.providers.state import BranchState
from webapp.validation.report import PASSED, WARNING

NOTE = b"# Written by GitOps Console to validate pull requests; safe to delete.\n"


@dataclass
class Outcome:
    """The stage's status and message, and what is left to remove by hand (if anything)."""

    status: str
    message: str
    leftover: str | None = None


def prove_pull_requests(provider: Provider, repo: Repository, branch: str, suffix: str,
                        cleanup: bool, known: BranchState | None = None) -> Outcome:
    """Commit to a new branch off branch and open a request into it; then, if cleanup,
    close the request and delete the branch. known: the validation commit's state of
    branch, which saves reading what it wrote."""
    name = provider.kind.request_name
    source = f"gitops-validate/{suffix}"
    provider.commit_files(repo, source, {f".gitops-console/validate-{suffix}-review.yaml": NOTE},
                          "GitOps Console: validation (safe to delete)", known=known,
                          base_branch=branch)
    try:
        request = provider.open_change_request(
            repo, source, branch, "GitOps Console: validation (safe to close)",
            f"Opened by GitOps Console to check that its token may open a {name}.")
    except ProviderError as refused:
        if cleanup and not _deleted(provider, repo, source):
            refused.hint = (f"{refused.hint} The branch {source} is left in "
                            f"{repo.web_url}: delete it by hand.").strip()
        raise
    opened = f"Opened the {name} {request.web_url} from a new branch"
    if not cleanup:
        return Outcome(PASSED, f"{opened}; it goes with the test repository.")
    try:
        provider.close_change_request(repo, request.number)
    except ProviderError as error:
        return Outcome(WARNING, f"{opened}, but could not close it: {error.message}",
                       f"the {name} {request.web_url} and the branch {source}")
    try:
        provider.delete_branch(repo, source)
    except ProviderError as error:
        return Outcome(WARNING, f"{opened} and closed it, but could not delete the branch "
                                f"{source}: {error.message}", f"the branch {source}")
    return Outcome(PASSED, f"{opened}, then closed it and deleted the branch.")


def _deleted(provider: Provider, repo: Repository, branch: str) -> bool:
    """Remove the branch a refused request left behind; whether that worked."""
    try:
        provider.delete_branch(repo, branch)
    except ProviderError:
        return False
    return True
