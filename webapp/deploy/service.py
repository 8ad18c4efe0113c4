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

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from webapp.crypto import UndecryptableSecret
from webapp.deploy.attempts import Attempt, Plan, finish
from webapp.deploy.chart import ArgoSettings, ChartSource, repository_secret
from webapp.deploy.lease import DeployBusy, deploy_lease
from webapp.extensions import db
from webapp.models import Application, Deployment, Environment, GitOpsConfig
from webapp.providers import KINDS
from webapp.providers.base import Author, Conflict, ProviderError, ProviderSettings, Repository
from webapp.settings.connection import build_provider, saved_settings

MAX_ATTEMPTS = 3  # commits re-tried after the branch moved under us
LEASE_MARGIN_SECONDS = 30.0  # the lease outlives the deploy's deadline by this much


class GateClosed(Exception):
    """No provider is saved and active: nothing can deploy."""


class DeployRefused(Exception):
    """The deploy cannot start (missing repository URL, unknown target); nothing was sent."""


@dataclass(frozen=True)
class DeployResult:
    """What a deploy did, for the result panel."""

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


def target_config(application: Application, active: GitOpsConfig | None) -> GitOpsConfig:
    """The configuration application deploys through: its first one while it exists."""
    if application.config is not None:
        return application.config
    if active is None:
        raise GateClosed()
    return active


def deploy(application: Application, environment: Environment, source: str,
           make_files: Callable[[str, str], dict[str, bytes]], manifest_path: str,
           values_text: str, chart: ChartSource | None = None, actor: str | None = None,
           author: Author | None = None) -> DeployResult:
    """Commit make_files(clone URL, branch) to application's repository as one commit."""
    active = db.session.scalar(select(GitOpsConfig).where(GitOpsConfig.active.is_(True)))
    if active is None:
        raise GateClosed()
    config = target_config(application, active)
    attempt = Attempt(application.id, environment.id, source, config, values_text, actor,
                       chart)
    try:
        settings = _settings_or_refuse(application, config)
        options = current_app.config
        with deploy_lease(
                application.id, application.name, wait_seconds=options["DEPLOY_WAIT"],
                hold_seconds=options["DEPLOY_DEADLINE"] + LEASE_MARGIN_SECONDS):
            return _deploy_under_lease(attempt, settings, make_files, manifest_path, author)
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


def _deploy_under_lease(attempt: Attempt, settings: ProviderSettings, make_files,
                        manifest_path: str, author: Author | None) -> DeployResult:
    deployment = attempt.start()
    plan = None
    try:
        plan = attempt.plan()  # read under the lease: another worker may have pinned it
        db.session.close()  # no transaction while the provider is called
        provider = build_provider(settings)
        provider.http.deadline = time.monotonic() + current_app.config["DEPLOY_DEADLINE"]
        repo = _repository(provider, plan)
        files = make_files(provider.clone_url(repo), plan.branch)
        message = f"deploy {plan.application} to {deployment.environment}: revision " \
                  f"{deployment.revision}"
        result = _commit_with_retries(provider, repo, plan.branch, files, message, author)
    except ProviderError as error:
        finish(deployment.id, "failed", message=str(error), plan=plan)
        raise
    except Exception:
        finish(deployment.id, "failed", plan=plan,
                message="An unexpected error stopped the deploy; the log has details.")
        raise
    outcome = "deployed" if result.changed else "unchanged"
    finished = finish(deployment.id, outcome, plan=plan, repo=repo, sha=result.sha,
                       commit_url=result.web_url)
    clone_url = provider.clone_url(repo)
    return DeployResult(finished, result.changed, result.sha, result.web_url, clone_url,
                        files[manifest_path].decode(),
                        repository_secret(plan.application, clone_url,
                                          provider.git_username(), argo_settings()))


def _repository(provider, plan: Plan) -> Repository:
    """The application's repository: made on first deploy, or the pre-created one."""
    if plan.repository_name:
        return provider.get_repository(plan.repository_name)
    if plan.precreated:
        return provider.get_repository(repository_name_of(plan.repository_url or ""))
    return provider.ensure_repository(f"{plan.prefix}{plan.application}")


def repository_name_of(url: str) -> str:
    """The repository name at the end of a clone or web URL (…/shop.git → shop)."""
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1].removesuffix(".git")


def _commit_with_retries(provider, repo: Repository, branch: str, files, message, author):
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return provider.commit_files(repo, branch, files, message, author)
        except Conflict:
            if attempt == MAX_ATTEMPTS:
                raise
    raise AssertionError("unreachable")
