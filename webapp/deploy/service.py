"""Deploying: commit an application's desired state to its repository on its provider.

A deploy holds no database transaction while it talks to the provider: it records the
attempt (taking the environment's next revision), commits, then records the outcome.
Deploys of one application are serialised within this process; across processes the
provider's own check (the branch must not have moved) makes a late deploy re-read the
branch and commit on top, a bounded number of times.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update

from webapp.crypto import UndecryptableSecret
from webapp.deploy.chart import ArgoSettings, ChartSource, repository_secret
from webapp.extensions import db
from webapp.models import Application, Deployment, Environment, GitOpsConfig, utcnow
from webapp.providers import KINDS
from webapp.providers.base import Author, Conflict, ProviderError, Repository
from webapp.settings.connection import build_provider, saved_settings

MAX_ATTEMPTS = 3  # commits re-tried after the branch moved under us
_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


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


def _lock_for(application_id: int) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(application_id, threading.Lock())


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
    if config.repositories_precreated and not (application.repository_url
                                               or application.repository_name):
        raise DeployRefused(
            f"{application.name} has no repository URL. Repositories are created by an "
            "administrator for this provider: enter the URL of the repository made for "
            f"{application.name} first.")
    try:
        settings = saved_settings(config)
    except UndecryptableSecret:
        raise DeployRefused(f"The saved token of {KINDS[config.kind].label} cannot be "
                            "decrypted with the configured keys: enter it again on the "
                            "settings page. Nothing was sent.") from None
    with _lock_for(application.id):
        deployment = _start(application, environment, source, config, values_text, actor,
                            chart)
        plan = _Plan(application.id, application.name, application.repository_name,
                     application.repository_url, config.id, config.kind, config.branch,
                     config.repository_prefix, config.repositories_precreated)
        db.session.close()  # no transaction while the provider is called
        try:
            provider = build_provider(settings)
            repo = _repository(provider, plan)
            files = make_files(provider.clone_url(repo), plan.branch)
            message = f"deploy {plan.application} to {environment.name}: revision " \
                      f"{deployment.revision}"
            result = _commit_with_retries(provider, repo, plan.branch, files, message, author)
        except ProviderError as error:
            _finish(deployment.id, "failed", message=str(error), plan=plan)
            raise
        except Exception:
            _finish(deployment.id, "failed", plan=plan,
                    message="An unexpected error stopped the deploy; the log has details.")
            raise
        outcome = "deployed" if result.changed else "unchanged"
        finished = _finish(deployment.id, outcome, plan=plan, repo=repo, sha=result.sha,
                           commit_url=result.web_url)
    clone_url = provider.clone_url(repo)
    return DeployResult(finished, result.changed, result.sha, result.web_url, clone_url,
                        files[manifest_path].decode(),
                        repository_secret(plan.application, clone_url,
                                          provider.git_username(), argo_settings()))


@dataclass(frozen=True)
class _Plan:
    """The plain facts a deploy needs once the database session is closed."""

    application_id: int
    application: str
    repository_name: str | None
    repository_url: str | None
    config_id: int
    provider: str
    branch: str
    prefix: str
    precreated: bool


def _start(application: Application, environment: Environment, source: str,
           config: GitOpsConfig, values_text: str, actor: str | None,
           chart: ChartSource | None) -> Deployment:
    """Record the attempt with the environment's next revision, in one short transaction."""
    db.session.execute(update(Environment).where(Environment.id == environment.id)
                       .values(revisions=Environment.revisions + 1))
    revision = db.session.scalar(select(Environment.revisions)
                                 .where(Environment.id == environment.id))
    deployment = Deployment(application_id=application.id, application=application.name,
                            environment=environment.name, source=source, revision=revision,
                            provider=config.kind, actor=actor, values_text=values_text,
                            repository_web_url=application.repository_web_url)
    if chart is not None:
        deployment.chart_repository = chart.repository
        deployment.chart_name, deployment.chart_version = chart.name, chart.version
    db.session.add(deployment)
    db.session.commit()
    db.session.refresh(deployment)
    return deployment


def _repository(provider, plan: _Plan) -> Repository:
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


def _finish(deployment_id: int, outcome: str, *, plan: _Plan, repo: Repository | None = None,
            sha: str | None = None, commit_url: str | None = None,
            message: str | None = None) -> Deployment:
    """Record the outcome; a first successful deploy also pins the application's repository."""
    deployment = db.session.get(Deployment, deployment_id)
    deployment.outcome = outcome
    deployment.finished_at = utcnow()
    deployment.message = message
    if repo is not None:
        deployment.commit_sha, deployment.commit_url = sha, commit_url
        deployment.repository_web_url = repo.web_url
        application = db.session.get(Application, plan.application_id)
        if application is not None and application.repository_name is None:
            application.config_id = plan.config_id
            application.repository_name = repo.name
            application.repository_id = repo.id
            application.repository_web_url = repo.web_url
            application.repository_clone_url = repo.clone_url
            application.repository_default_branch = repo.default_branch
    db.session.commit()
    return deployment
