"""Pull-request mode: a deploy commits to its own branch and opens a pull (merge) request
into the configured branch, or reuses an open request that proposes exactly this change."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from webapp.configs.connection import build_provider, saved_settings
from webapp.crypto import UndecryptableSecret
from webapp.deploy.attempts import Plan
from webapp.deploy.diff import diff
from webapp.extensions import db
from webapp.models import Application, Deployment
from webapp.providers.base import Author, Repository
from webapp.providers.changes import OPEN, ChangeRequest

# Azure DevOps refuses descriptions over 4,000 characters; the others allow more.
DESCRIPTION_LIMIT = 3900


@dataclass(frozen=True)
class OpenRequest:
    """A request the history says is open, proposing the change with content_hash."""

    number: str
    content_hash: str
    branch: str | None


@dataclass(frozen=True)
class Proposal:
    """What pull-request mode did: nothing to propose, a reused request, or a new one."""

    unchanged: bool
    sha: str | None = None
    web_url: str | None = None
    branch: str | None = None
    request: ChangeRequest | None = None
    reused: bool = False


def open_requests(application_id: int, environment: str) -> list[OpenRequest]:
    """The requests of this application and environment the history records as open."""
    rows = db.session.execute(
        select(Deployment.request_number, Deployment.content_hash, Deployment.branch)
        .where(Deployment.application_id == application_id,
               Deployment.environment == environment, Deployment.request_state == OPEN,
               Deployment.request_number.is_not(None))
        .order_by(Deployment.id.desc()))
    return [OpenRequest(*row) for row in rows]


def branch_name(application: str, environment: str, revision: int) -> str:
    """gitops/<application>/<environment>/<revision>."""
    return f"gitops/{application}/{environment}/{revision}"


def propose(provider, repo: Repository, plan: Plan, revision: int, environment: str,
            files: dict[str, bytes | None], reviewed: str, message: str, author: Author,
            candidates: list[OpenRequest]) -> Proposal:
    """Propose files on a new branch, unless the branch already holds them or an open
    request proposes exactly them (checked with one request each)."""
    snapshot = provider.current_files(repo, plan.branch, files, known=plan.known.state)
    if snapshot.unchanged:
        return Proposal(True, snapshot.tip)
    for candidate in candidates:
        if candidate.content_hash != reviewed:
            continue
        request = provider.change_request(repo, candidate.number)
        if request.state == OPEN:
            return Proposal(False, None, None, candidate.branch, request, reused=True)
    branch = branch_name(plan.application, environment, revision)
    result = provider.commit_files(repo, branch, files, message, author,
                                   known=plan.known.state, base_branch=plan.branch)
    change = diff(dict(snapshot.files), files)
    request = provider.open_change_request(repo, branch, plan.branch, message,
                                           description(change, plan.application, environment))
    return Proposal(False, result.sha, result.web_url, branch, request)


def description(change, application: str, environment: str) -> str:
    """The request's description: the summary, then the diff as far as the limit allows."""
    head = (f"Deploys {application} to {environment}, proposed by GitOps Console.\n\n"
            f"{change.summary()}\n")
    body = change.markdown().split("\n", 1)[1] if change.files else ""
    text = head + body
    if len(text) > DESCRIPTION_LIMIT:
        text = text[:DESCRIPTION_LIMIT - 80].rsplit("\n", 1)[0] + \
            "\n```\n\n(The diff is longer than fits here: see the branch's commit.)"
    return text


class RefreshImpossible(Exception):
    """The request's state cannot be asked for (its application or provider is gone)."""


def refresh(deployment_id: int) -> Deployment:
    """Ask the provider for the state of a deploy's request (one request) and record it."""
    deployment = db.session.get(Deployment, deployment_id)
    if deployment is None or deployment.request_number is None:
        raise LookupError(f"Deploy attempt {deployment_id} opened no request.")
    application = db.session.get(Application, deployment.application_id) \
        if deployment.application_id else None
    if application is None or application.config is None or not application.repository_id:
        raise RefreshImpossible("Its application or its provider's configuration was deleted: "
                                "follow the link to see the request's state.")
    try:
        settings = saved_settings(application.config)
    except UndecryptableSecret:
        raise RefreshImpossible("The saved token cannot be decrypted with the configured "
                                "keys: enter it again on the settings page.") from None
    repo = Repository(application.repository_name, application.repository_id,
                      clone_url=application.repository_clone_url or "",
                      web_url=application.repository_web_url or "")
    number, previous = deployment.request_number, deployment.request_state
    db.session.close()  # no transaction while the provider is called
    provider = build_provider(settings)
    provider.set_deadline(current_app.config["PROVIDER_READ_TIMEOUT"])
    state = provider.change_request(repo, number).state
    if state != previous:
        db.session.execute(update(Deployment).where(Deployment.id == deployment_id)
                           .values(request_state=state))
        db.session.commit()
    return db.session.get(Deployment, deployment_id)
