"""Deploying: commit an application's desired state to its repository on its provider.

A deploy holds no database transaction while it talks to the provider: it records the
attempt (taking the environment's next revision), commits, then records the outcome.
Deploys of one application are serialised by a lease on the application's row
(`lease.py`), which holds across the threads of a worker and across worker processes alike,
with a bounded wait: revisions land in the order they were numbered. Should a deploy
outlive its lease, the provider's own check (the branch must not have moved) still makes
the late one re-read the branch and commit on top, a bounded number of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

from webapp.audit import record
from webapp.configs.connection import build_provider, saved_settings
from webapp.configs.store import active_config
from webapp.crypto import UndecryptableSecret
from webapp.deploy.attempts import Attempt, Plan, finish
from webapp.deploy.chart import ArgoSettings, repository_secret
from webapp.deploy.lease import DeployBusy, deploy_lease
from webapp.deploy.sources import DeployRequest, DeploySource
from webapp.extensions import db
from webapp.models import Application, Deployment, Environment, GitOpsConfig
from webapp.providers import KINDS
from webapp.providers.base import (
    Author,
    Conflict,
    NotFound,
    ProviderError,
    ProviderSettings,
    Repository,
)
from webapp.providers.state import BranchState

MAX_ATTEMPTS = 3  # commits re-tried after the branch moved under us
LEASE_MARGIN_SECONDS = 30.0  # the lease outlives the deploy's deadline by this much

__all__ = ["DeployBusy", "DeployRefused", "GateClosed", "deploy", "gate"]


class GateClosed(Exception):
    """No provider is saved and active: nothing can deploy."""

    def __init__(self) -> None:
        super().__init__("Nothing was deployed: GitOps is not configured. Save and activate "
                         "a git provider first.")


class DeployRefused(Exception):
    """The deploy cannot start (missing repository URL, unknown target); nothing was sent."""


@dataclass(frozen=True)
class DeployResult:
    """What a deploy did, for the result panel and the API."""

    deployment: Deployment
    changed: bool
    commit_sha: str | None
    commit_url: str | None
    clone_url: str
    manifest: str
    repository_secret: str  # what Argo CD needs to read the private repository


def argo_settings() -> ArgoSettings:
    """The Argo CD settings of this installation."""
    config = current_app.config
    return ArgoSettings(config["ARGOCD_NAMESPACE"], config["ARGOCD_PROJECT"],
                        config["ARGOCD_DESTINATION_SERVER"])


def author_of(username: str) -> Author:
    """The commit author for a user (their address if the username is one)."""
    email = username if "@" in username else f"{username}@users.noreply.gitops-console"
    return Author(username, email)


def gate() -> GitOpsConfig:
    """The active configuration, or GateClosed: every door asks this first, once."""
    active = active_config()
    if active is None:
        raise GateClosed()
    return active


def target_config(application: Application, active: GitOpsConfig) -> GitOpsConfig:
    """The configuration application deploys through: its first one while it exists."""
    return application.config if application.config is not None else active


def deploy(application: Application, environment: Environment, source: DeploySource,
           request: DeployRequest, actor: str, active: GitOpsConfig) -> DeployResult:
    """Commit source's files for application in environment as one commit, and audit it.

    active is what gate() answered. DeployRefused or DeployBusy when nothing could be sent
    (recorded in the history); ProviderError when the provider failed.
    """
    target = f"{application.name}/{environment.name}"
    try:
        result = _deploy(application, environment, source, request, actor, active)
    except (DeployRefused, DeployBusy, ProviderError) as error:
        outcome = {DeployBusy: "busy", DeployRefused: "refused"}.get(type(error), "failed")
        record("deploy", target, {"source": source.id, "outcome": outcome}, actor=actor)
        raise
    record("deploy", target, {"source": source.id, "revision": result.deployment.revision,
                              "outcome": result.deployment.outcome,
                              "provider": result.deployment.provider}, actor=actor)
    return result


def _deploy(application: Application, environment: Environment, source: DeploySource,
            request: DeployRequest, actor: str, active: GitOpsConfig) -> DeployResult:
    config = target_config(application, active)
    attempt = Attempt(application.id, environment.id, source.id, config, request.values_text,
                      actor, request.chart)
    try:
        settings = _settings_or_refuse(application, config)
        options = current_app.config
        with deploy_lease(
                application.id, application.name, wait_seconds=options["DEPLOY_WAIT"],
                hold_seconds=options["DEPLOY_DEADLINE"] + LEASE_MARGIN_SECONDS):
            return _deploy_under_lease(attempt, settings, source, request, author_of(actor))
    except (DeployRefused, DeployBusy) as refused:
        attempt.record_refusal(str(refused))
        raise


def _settings_or_refuse(application: Application, config: GitOpsConfig) -> ProviderSettings:
    """The provider settings to deploy with; DeployRefused when nothing could be sent."""
    if application.config_id is None and config.repositories_precreated \
            and not application.repository_url:
        raise DeployRefused(
            f"{application.name} has no repository URL. Repositories are created by an "
            f"administrator for {KINDS[config.kind].label}: enter the URL of the "
            f"repository made for {application.name} first (in the applications list).")
    try:
        return saved_settings(config)
    except UndecryptableSecret:
        raise DeployRefused(f"The saved token of {KINDS[config.kind].label} cannot be "
                            "decrypted with the configured keys: enter it again on the "
                            "settings page. Nothing was sent.") from None


def _deploy_under_lease(attempt: Attempt, settings: ProviderSettings, source: DeploySource,
                        request: DeployRequest, author: Author) -> DeployResult:
    deployment = attempt.start()
    plan = None
    try:
        plan = attempt.plan()  # read under the lease: another worker may have pinned it
        db.session.close()  # no transaction while the provider is called
        provider = build_provider(settings)
        provider.set_deadline(current_app.config["DEPLOY_DEADLINE"])
        repo = _repository(provider, plan)
        files = source.files(plan.application, deployment.environment, request,
                             provider.clone_url(repo), plan.branch, argo_settings())
        message = f"deploy {plan.application} to {deployment.environment}: revision " \
                  f"{deployment.revision}"
        result = _commit_with_retries(provider, repo, plan.branch, files, message, author,
                                      plan.known.state)
    except NotFound as error:
        if plan is not None and plan.known.repository is not None:
            error = _repository_gone(provider, plan.known.repository, error)
        finish(deployment.id, "failed", message=str(error), plan=plan, repository_gone=True)
        raise error from None
    except ProviderError as error:
        finish(deployment.id, "failed", message=str(error), plan=plan)
        raise
    except Exception:
        finish(deployment.id, "failed", plan=plan,
               message="An unexpected error stopped the deploy; the log has details.")
        raise
    outcome = "deployed" if result.changed else "unchanged"
    finished = finish(deployment.id, outcome, plan=plan, repo=repo, sha=result.sha,
                      commit_url=result.web_url, state=result.state)
    clone_url = provider.clone_url(repo)
    manifest = files[source.manifest_path(plan.application, deployment.environment)]
    return DeployResult(finished, result.changed, result.sha, result.web_url, clone_url,
                        manifest.decode(),
                        repository_secret(plan.application, clone_url,
                                          provider.git_username(), argo_settings()))


def _repository(provider, plan: Plan) -> Repository:
    """The application's repository: as the last deploy left it, made on first deploy, or
    the pre-created one."""
    if plan.known.repository is not None:
        return plan.known.repository  # no read: the commit itself says if it is gone
    if plan.repository_name:
        return provider.get_repository(plan.repository_name)
    if plan.precreated:
        return provider.get_repository(repository_name_of(plan.repository_url or ""))
    return provider.ensure_repository(f"{plan.prefix}{plan.application}")


def repository_name_of(url: str) -> str:
    """The repository name at the end of a clone or web URL (…/shop.git → shop)."""
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1].removesuffix(".git")


def _repository_gone(provider, repo: Repository, error: NotFound) -> NotFound:
    """The error to show for a NotFound while committing to a repository known from the
    last deploy: one read tells whether the repository itself is gone."""
    try:
        provider.get_repository(repo.name)
    except NotFound:
        return NotFound(f"The repository {repo.name} is no longer on {provider.label}: it "
                        "was deleted or renamed, or the token may no longer see it.",
                        status=404, hint="Restore the repository, or give the token access "
                                         "to it again.")
    except ProviderError:  # no clearer answer to be had: the commit's own error stands
        return error
    return error


def _commit_with_retries(provider, repo: Repository, branch: str, files, message, author,
                         known: BranchState | None):
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return provider.commit_files(repo, branch, files, message, author, known=known)
        except Conflict:
            if attempt == MAX_ATTEMPTS:
                raise
            known = None  # the state was stale: re-read everything
    raise AssertionError("unreachable")
