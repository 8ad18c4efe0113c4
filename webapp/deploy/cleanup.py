"""Clean-up: an environment's files removed in one commit, an application deleted (its
repository too, when asked and the token may); the history keeps every attempt."""

from __future__ import annotations

from flask import current_app

from webapp.audit import record
from webapp.configs.connection import build_provider
from webapp.configs.store import active_config
from webapp.deploy import known
from webapp.deploy.attempts import plan_of
from webapp.deploy.lease import deploy_lease
from webapp.deploy.repositories import (
    DeployRefused,
    find_repository,
    settings_or_refuse,
    target_config,
)
from webapp.deploy.sources import SOURCES
from webapp.extensions import db
from webapp.models import Application, Environment
from webapp.providers.base import NotFound, PermissionMissing

LEASE_MARGIN_SECONDS = 30.0


def _plan(application: Application):
    """The provider and plan of application's repository; None when it never deployed."""
    active = active_config()
    if application.config is None and (active is None or not application.repository_name):
        return None, None
    config = target_config(application, active)
    settings = settings_or_refuse(application, config)
    plan = plan_of(application, config)
    provider = build_provider(settings)
    provider.set_deadline(current_app.config["DEPLOY_DEADLINE"])
    return provider, plan


def _lease(application: Application):
    options = current_app.config
    return deploy_lease(application.id, application.name, wait_seconds=options["DEPLOY_WAIT"],
                        hold_seconds=options["DEPLOY_DEADLINE"] + LEASE_MARGIN_SECONDS)


def delete_environment(application: Application, environment: Environment,
                       actor: str) -> list[str]:
    """Remove env's files from the repository in one commit, then the environment; the
    paths removed. DeployBusy, DeployRefused or ProviderError leave everything as it was."""
    removed: list[str] = []
    with _lease(application):
        provider, plan = _plan(application) if application.repository_name else (None, None)
        env_id, env_name = environment.id, environment.name
        if provider is not None:
            db.session.close()
            repo = find_repository(provider, plan, create=False)
            if repo is not None:
                folders = SOURCES["template"].environment_folders(plan.application, env_name)
                for folder in folders:
                    removed += list(provider.list_files(repo, plan.branch, folder).files)
                if removed:
                    result = provider.commit_files(
                        repo, plan.branch, dict.fromkeys(removed),
                        f"remove {plan.application} from {env_name}", None,
                        known=plan.known.state)
                    known.remember(plan.application_id, plan.config_id, plan.binding,
                                   plan.branch, repo, result.state)
        db.session.delete(db.session.get(Environment, env_id))
        db.session.commit()
    record("environment_deleted", f"{application.name}/{env_name}",
           {"files_removed": len(removed)}, actor=actor)
    return sorted(removed)


def delete_application(application: Application, delete_repository: bool,
                       actor: str) -> bool:
    """Delete the application (its deploys stay in the history); its repository too when
    asked. Whether a repository was deleted. PermissionMissing: the token may not, and
    nothing was deleted."""
    name, deleted_repository = application.name, False
    with _lease(application):
        if delete_repository and application.repository_name:
            provider, plan = _plan(application)
            if provider is None:
                raise DeployRefused(f"{name}'s provider configuration is gone: its repository "
                                    "cannot be deleted from here. Untick the box to delete "
                                    "only the application.")
            db.session.close()
            try:
                repo = find_repository(provider, plan, create=False)
                if repo is not None:
                    provider.delete_repository(repo)
                    deleted_repository = True
            except NotFound:
                pass  # already gone
            except PermissionMissing as refused:
                raise PermissionMissing(
                    f"The token may not delete {name}'s repository, so nothing was deleted: "
                    "give it the right to delete repositories, or untick the box.",
                    status=refused.status, provider_message=refused.provider_message) from None
        db.session.delete(db.session.get(Application, application.id))
        db.session.commit()
    record("application_deleted", name, {"repository_deleted": deleted_repository},
           actor=actor)
    return deleted_repository
