"""The history of deploys: each attempt recorded when it starts and when it ends.

An attempt takes the environment's next revision when it starts; its outcome is written
when the provider has answered. A first successful deploy also pins the application's
repository, so later deploys keep going there; every outcome also records, in the same
transaction, what the app now knows of that repository's branch (known.py).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import lazyload

from webapp.deploy import known
from webapp.deploy.chart import ChartSource
from webapp.deploy.lease import Lease
from webapp.extensions import db
from webapp.models import Application, Deployment, Environment, GitOpsConfig, utcnow
from webapp.providers.base import Repository
from webapp.providers.changes import ChangeRequest
from webapp.providers.state import BranchState

log = logging.getLogger(__name__)
# An attempt never reads an application's environments: no query for them.
WITHOUT_ENVIRONMENTS = [lazyload(Application.environments)]


@dataclass(frozen=True)
class Attempt:
    """One deploy attempt: what to record, whatever becomes of it."""

    application_id: int
    environment_id: int
    source: str
    config: GitOpsConfig
    values_text: str
    actor: str | None
    chart: ChartSource | None
    rollback_of: int | None = None

    def begin(self) -> Started:
        """Write the attempt with the environment's next revision into the open transaction
        (the caller commits: deploy_lease does, with the lease it takes)."""
        db.session.execute(update(Environment).where(Environment.id == self.environment_id)
                           .values(revisions=Environment.revisions + 1))
        environment = db.session.get(Environment, self.environment_id, populate_existing=True)
        application = db.session.get(Application, self.application_id, populate_existing=True,
                                     options=WITHOUT_ENVIRONMENTS)
        deployment = Deployment(
            application_id=application.id, application=application.name,
            environment=environment.name, source=self.source, revision=environment.revisions,
            provider=self.config.kind, actor=self.actor, values_text=self.values_text,
            repository_web_url=application.repository_web_url, rollback_of=self.rollback_of)
        if self.chart is not None:
            deployment.chart_repository = self.chart.repository
            deployment.chart_name = self.chart.name
            deployment.chart_version = self.chart.version
        db.session.add(deployment)
        db.session.flush()
        return Started(deployment.id, deployment.revision, deployment.environment)

    def plan(self) -> Plan:
        """The facts the provider calls need, from the application as it is now."""
        application = db.session.get(Application, self.application_id,
                                     options=WITHOUT_ENVIRONMENTS)
        return plan_of(application, self.config)

    def record_refusal(self, message: str) -> None:
        """Record an attempt refused before anything was sent: the history lists it too."""
        db.session.rollback()
        try:
            deployment = db.session.get(Deployment, self.begin().id)
            deployment.outcome, deployment.finished_at = "failed", utcnow()
            deployment.message = message
            db.session.commit()
        except OperationalError:  # the database is busy: the refusal itself still shows
            db.session.rollback()
            log.warning("could not record a refused deploy: %s", message)


@dataclass(frozen=True)
class Started:
    """An attempt as recorded when it started."""

    id: int
    revision: int
    environment: str


@dataclass(frozen=True)
class Closing:
    """What the transaction that records a deploy's outcome also does, so that one commit
    ends the deploy: the lease given back and the audit entry added."""

    lease: Lease
    audit: Callable[[Deployment], object]  # adds the entry to the session, no commit


@dataclass(frozen=True)
class Plan:
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
    binding: str = ""  # where the configuration's repositories live (known.binding)
    known: known.Known = known.NOTHING  # the repository and branch state, where known
    pull_requests: bool = False  # propose through a pull/merge request, not a commit


def plan_of(application: Application, config: GitOpsConfig) -> Plan:
    """The plan of a deploy (or preview, or clean-up) of application through config."""
    pinned = application.config_id == config.id
    return Plan(application.id, application.name,
                application.repository_name if pinned else None, application.repository_url,
                config.id, config.kind, config.branch, config.repository_prefix,
                config.repositories_precreated, known.binding(config),
                known.recall(application, config), config.pull_requests)


@dataclass(frozen=True)
class Written:
    """What a deploy wrote or proposed: every file, the hash a preview showed of them, and
    in pull-request mode the branch and the request."""

    files: dict[str, bytes | None]
    content_hash: str
    branch: str | None = None
    request: ChangeRequest | None = None


def recorded_files(files: dict[str, bytes | None]) -> dict[str, object]:
    """files as JSON: text as it is, anything else as {"base64": …} (a rollback reads both)."""
    result: dict[str, object] = {}
    for path, content in files.items():
        try:
            result[path] = None if content is None else content.decode("utf-8")
        except UnicodeDecodeError:
            result[path] = {"base64": base64.b64encode(content).decode()}
    return result


def files_of(record: dict[str, object]) -> dict[str, bytes | None]:
    """The files a deployment recorded, as bytes again."""
    return {path: None if value is None else
            base64.b64decode(value["base64"]) if isinstance(value, dict) else value.encode()
            for path, value in record.items()}


def finish(deployment_id: int, outcome: str, *, plan: Plan | None, repo: Repository | None = None,
            sha: str | None = None, commit_url: str | None = None,
            message: str | None = None, state: BranchState | None = None,
            repository_gone: bool = False, written: Written | None = None,
            closing: Closing | None = None) -> Deployment:
    """Record the outcome; a first successful deploy also pins the application's repository.

    With repo (the deploy committed, or found nothing to change) the branch's state is
    remembered, or forgotten when None; a failure forgets it (and the repository too when
    repository_gone), all in the outcome's transaction, with what closing adds.
    """
    deployment = db.session.get(Deployment, deployment_id)
    deployment.outcome = outcome
    deployment.finished_at = utcnow()
    deployment.message = message
    if written is not None:
        deployment.files = recorded_files(written.files)
        deployment.content_hash = written.content_hash
        deployment.branch = written.branch
        if written.request is not None:
            deployment.request_number = written.request.number
            deployment.request_url = written.request.web_url
            deployment.request_state = written.request.state
    if repo is not None:
        deployment.commit_sha, deployment.commit_url = sha, commit_url
        deployment.repository_web_url = repo.web_url
        application = db.session.get(Application, plan.application_id,
                                     options=WITHOUT_ENVIRONMENTS)
        # Pinned by the first successful deploy, and again after its configuration was
        # deleted (the link is gone: the repository on the active provider takes over).
        # A configuration deleted while the deploy ran pins nothing (its id may be reused).
        config = db.session.get(GitOpsConfig, plan.config_id)
        if application is not None and application.config_id is None \
                and config is not None and config.kind == plan.provider:
            application.config_id = plan.config_id
            application.repository_name = repo.name
        if application is not None and config is not None \
                and application.config_id == plan.config_id \
                and application.repository_name == repo.name:
            # The repository as the provider named it at this deploy: the next one
            # commits there without reading it first.
            application.repository_id = repo.id
            application.repository_web_url = repo.web_url
            application.repository_clone_url = repo.clone_url
            application.repository_default_branch = repo.default_branch
            known.remember(application.id, plan.config_id, plan.binding, plan.branch, repo,
                           state)
    elif plan is not None and outcome == "failed":
        known.forget(plan.application_id, repository=repository_gone)
    if closing is not None:
        closing.audit(deployment)
        closing.lease.release_in_transaction()
    db.session.commit()
    if closing is not None:
        closing.lease.released_by_commit()
    return deployment
