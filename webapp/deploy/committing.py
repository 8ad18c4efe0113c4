"""One deploy under its lease: the attempt recorded, the files committed (or proposed in a
pull/merge request), the outcome recorded with what the deploy wrote."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from webapp.configs.connection import build_provider
from webapp.deploy.attempts import Attempt, Closing, Plan, Started, Written, finish
from webapp.deploy.chart import ArgoSettings, repository_secret
from webapp.deploy.proposals import Proposal, open_requests, propose
from webapp.deploy.repositories import find_repository, repository_gone
from webapp.deploy.review import review_hash
from webapp.deploy.sources import DeployRequest, DeploySource
from webapp.extensions import db
from webapp.models import Deployment
from webapp.providers.base import (
    Author,
    CommitResult,
    Conflict,
    NotFound,
    ProviderError,
    ProviderSettings,
    Repository,
)
from webapp.providers.state import BranchState

MAX_ATTEMPTS = 3  # commits re-tried after the branch moved under us


class PreviewOutdated(Exception):
    """The change differs from the one previewed: nothing was committed."""


@dataclass(frozen=True)
class Outcome:
    """What the provider part of a deploy did."""

    changed: bool
    sha: str | None
    web_url: str | None
    clone_url: str
    manifest: str
    repository_secret: str


def run(attempt: Attempt, started: Started, closing: Closing, settings: ProviderSettings,
        source: DeploySource, request: DeployRequest, author: Author, argo: ArgoSettings
        ) -> tuple[Deployment, Outcome]:
    """With the attempt started (recorded with the lease), talk to the provider with no
    transaction open, then record the end in one transaction with closing."""
    deployment = started
    revision, environment = deployment.revision, deployment.environment
    plan = None
    try:
        plan = attempt.plan()  # read under the lease: another worker may have pinned it
        candidates = open_requests(plan.application_id, environment) \
            if plan.pull_requests else []
        db.session.close()  # no transaction while the provider is called
        provider = build_provider(settings)
        provider.set_deadline(current_app.config["DEPLOY_DEADLINE"])
        repo = find_repository(provider, plan, create=True)
        clone_url = provider.clone_url(repo)
        files = source.files_of(plan.application, environment, request, clone_url,
                                plan.branch, argo)
        reviewed = review_hash(files, clone_url)
        if request.preview_hash is not None and request.preview_hash != reviewed:
            raise PreviewOutdated("The change is not the one previewed (the values, the "
                                  "chart or the repository changed since): nothing was "
                                  "committed. Preview again, then deploy.")
        message = _message(plan.application, environment, revision, request.rollback_of)
        if plan.pull_requests:
            proposal = propose(provider, repo, plan, revision, environment, files, reviewed,
                               message, author, candidates)
            finished = _finish_proposal(deployment.id, plan, repo, proposal, files, reviewed,
                                        closing)
            changed, sha, url = not proposal.unchanged, proposal.sha, proposal.web_url
        else:
            result = _commit_with_retries(provider, repo, plan.branch, files, message,
                                          author, plan.known.state)
            finished = finish(deployment.id, "deployed" if result.changed else "unchanged",
                              plan=plan, repo=repo, sha=result.sha, commit_url=result.web_url,
                              state=result.state, written=Written(files, reviewed),
                              closing=closing)
            changed, sha, url = result.changed, result.sha, result.web_url
    except PreviewOutdated as outdated:
        finish(deployment.id, "failed", message=str(outdated), plan=None, closing=closing)
        raise
    except NotFound as error:
        if plan is not None and plan.known.repository is not None:
            error = repository_gone(provider, plan.known.repository, error)
        finish(deployment.id, "failed", message=str(error), plan=plan, repository_gone=True,
               closing=closing)
        raise error from None
    except ProviderError as error:
        finish(deployment.id, "failed", message=str(error), plan=plan, closing=closing)
        raise
    except Exception:
        finish(deployment.id, "failed", plan=plan, closing=closing,
               message="An unexpected error stopped the deploy; the log has details.")
        raise
    manifest = files[source.manifest_path(plan.application, environment)] or b""
    secret = repository_secret(plan.application, clone_url, provider.git_username(), argo)
    return finished, Outcome(changed, sha, url, clone_url, manifest.decode(), secret)


def _message(application: str, environment: str, revision: int, rollback_of: int | None):
    if rollback_of is not None:
        return (f"roll back {application} in {environment} to revision {rollback_of}: "
                f"revision {revision}")
    return f"deploy {application} to {environment}: revision {revision}"


def _finish_proposal(deployment_id: int, plan: Plan, repo: Repository, proposal: Proposal,
                     files, reviewed: str, closing: Closing) -> Deployment:
    # The configured branch is as the deploy found it: its known state stays.
    if proposal.unchanged:
        return finish(deployment_id, "unchanged", plan=plan, repo=repo, sha=proposal.sha,
                      state=plan.known.state, written=Written(files, reviewed),
                      closing=closing)
    note = ("An identical request was open: it was reused, not duplicated."
            if proposal.reused else None)
    return finish(deployment_id, "proposed", plan=plan, repo=repo, sha=proposal.sha,
                  commit_url=proposal.web_url, state=plan.known.state, message=note,
                  written=Written(files, reviewed, proposal.branch, proposal.request),
                  closing=closing)


def _commit_with_retries(provider, repo: Repository, branch: str, files, message, author,
                         known: BranchState | None) -> CommitResult:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return provider.commit_files(repo, branch, files, message, author, known=known)
        except Conflict:
            if attempt == MAX_ATTEMPTS:
                raise
            known = None  # the state was stale: re-read everything
    raise AssertionError("unreachable")
