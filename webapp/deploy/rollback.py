"""Rolling back: a new deploy whose files are exactly an earlier revision's, through the
same preview, lease and pull-request mode as any deploy."""

from __future__ import annotations

from sqlalchemy import select

from webapp.deploy.attempts import files_of
from webapp.deploy.chart import ChartSource
from webapp.deploy.sources import SOURCES, DeployRequest, DeploySource
from webapp.extensions import db
from webapp.models import Application, Deployment, Environment

RESTORABLE = ("deployed", "unchanged", "proposed")


class RollbackRefused(Exception):
    """That revision cannot be restored; the message says why."""


def revision_of(application: Application, environment: Environment,
                revision: int) -> Deployment:
    """The attempt that made revision of application in environment, if it can be restored."""
    found = db.session.scalar(select(Deployment).where(
        Deployment.application_id == application.id,
        Deployment.environment == environment.name, Deployment.revision == revision))
    target = f"{application.name} in {environment.name}"
    if found is None:
        raise RollbackRefused(f"{target} has no revision {revision}.")
    if found.outcome not in RESTORABLE or found.files is None:
        raise RollbackRefused(f"Revision {revision} of {target} wrote nothing to roll back to "
                              f"({found.outcome}).")
    if found.repository_web_url and application.repository_web_url \
            and found.repository_web_url != application.repository_web_url:
        raise RollbackRefused(f"Revision {revision} of {target} went to another repository "
                              f"({found.repository_web_url}): deploy its values instead.")
    return found


def rollback_request(application: Application, environment: Environment, revision: int,
                     preview_hash: str | None = None) -> tuple[DeploySource, DeployRequest]:
    """The source and request that restore revision's files exactly."""
    earlier = revision_of(application, environment, revision)
    chart = (ChartSource(earlier.chart_repository, earlier.chart_name, earlier.chart_version)
             if earlier.chart_name else None)
    return SOURCES[earlier.source], DeployRequest(
        earlier.values_text or "", {}, chart, files=files_of(earlier.files),
        rollback_of=revision, preview_hash=preview_hash)
