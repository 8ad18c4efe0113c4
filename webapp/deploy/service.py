"""Deploying: commit an application's desired state to its repository on its provider.

A deploy holds no database transaction while it talks to the provider, and costs two
commits: one takes the lease and records the attempt (with the environment's next
revision), one records the outcome, the audit entry and gives the lease back.
Deploys of one application are serialised by a lease on the application's row
(`lease.py`), which holds across the threads of a worker and across worker processes alike,
with a bounded wait: revisions land in the order they were numbered. Should a deploy
outlive its lease, the provider's own check (the branch must not have moved) still makes
the late one re-read the branch and commit on top, a bounded number of times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app

from webapp.audit import record
from webapp.configs.store import active_config
from webapp.deploy.attempts import Attempt, Closing
from webapp.deploy.chart import ArgoSettings
from webapp.deploy.committing import PreviewOutdated, run
from webapp.deploy.lease import DeployBusy, deploy_lease
from webapp.deploy.repositories import DeployRefused, settings_or_refuse, target_config
from webapp.deploy.sources import DeployRequest, DeploySource
from webapp.models import Application, Deployment, Environment, GitOpsConfig
from webapp.providers import KINDS
from webapp.providers.base import Author

LEASE_MARGIN_SECONDS = 30.0  # the lease outlives the deploy's deadline by this much

__all__ = ["DeployBusy", "DeployRefused", "GateClosed", "PreviewOutdated", "deploy", "gate"]


class GateClosed(Exception):
    """No provider is saved and active: nothing can deploy."""

    def __init__(self) -> None:
        super().__init__("Nothing was deployed: GitOps is not configured. Save and activate "
                         "a git provider first.")


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
    if "@" in username and " " not in username:
        return Author(username, username)
    local = re.sub(r"[^A-Za-z0-9._-]+", "-", username).strip("-.") or "gitops-console"
    return Author(username, f"{local}@users.noreply.gitops-console")


def gate() -> GitOpsConfig:
    """The active configuration, or GateClosed: every door asks this first, once."""
    active = active_config()
    if active is None:
        raise GateClosed()
    return active


def deploy(application: Application, environment: Environment, source: DeploySource,
           request: DeployRequest, actor: str, active: GitOpsConfig) -> DeployResult:
    """Commit (or propose) source's files for application in environment, and audit it.

    active is what gate() answered. DeployRefused or DeployBusy when nothing could be sent
    (recorded in the history); PreviewOutdated when the change is not the one previewed;
    ProviderError when the provider failed.
    """
    target = f"{application.name}/{environment.name}"
    try:
        return _deploy(application, environment, source, request, actor, active, target)
    except (DeployRefused, DeployBusy) as refused:  # nothing was sent, nor audited yet
        outcome = "busy" if isinstance(refused, DeployBusy) else "refused"
        record("deploy", target, {"source": source.id, "outcome": outcome}, actor=actor)
        raise


def _audit(target: str, source: DeploySource, request: DeployRequest, actor: str):
    """The audit entry of a deploy's outcome, added in the transaction that records it."""
    def add(deployment: Deployment) -> None:
        details = {"source": source.id, "revision": deployment.revision,
                   "outcome": deployment.outcome, "provider": deployment.provider}
        if request.rollback_of is not None:
            details["rollback_of"] = request.rollback_of
        if deployment.request_url:
            details["request"] = deployment.request_url
        record("deploy", target, details, actor=actor, commit=False)
    return add


def _deploy(application: Application, environment: Environment, source: DeploySource,
            request: DeployRequest, actor: str, active: GitOpsConfig, target: str
            ) -> DeployResult:
    config = target_config(application, active)
    attempt = Attempt(application.id, environment.id, source.id, config, request.values_text,
                      actor, request.chart, request.rollback_of)
    try:
        if config.require_preview and request.preview_hash is None:
            raise DeployRefused(
                f"{KINDS[config.kind].label} deploys must be previewed first: press Preview "
                "and deploy the change it shows (the API: preview, then send preview_hash).")
        settings = settings_or_refuse(application, config)
        options = current_app.config
        with deploy_lease(
                application.id, application.name, wait_seconds=options["DEPLOY_WAIT"],
                hold_seconds=options["DEPLOY_DEADLINE"] + LEASE_MARGIN_SECONDS,
                starting=attempt.begin) as lease:
            closing = Closing(lease, _audit(target, source, request, actor))
            finished, outcome = run(attempt, lease.started, closing, settings, source,
                                    request, author_of(actor), argo_settings())
    except (DeployRefused, DeployBusy) as refused:
        attempt.record_refusal(str(refused))
        raise
    return DeployResult(finished, outcome.changed, outcome.sha, outcome.web_url,
                        outcome.clone_url, outcome.manifest, outcome.repository_secret)
