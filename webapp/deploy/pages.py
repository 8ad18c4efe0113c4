"""What the deploy pages show: applications, targets, the history, the last values."""

from __future__ import annotations

from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from webapp.extensions import db
from webapp.models import Application, Deployment, Environment

HISTORY_LENGTH = 50


def applications() -> list[Application]:
    """Every application with its configuration and environments (two queries)."""
    return list(db.session.scalars(select(Application).order_by(Application.name)).unique())


def target_choices(apps: list[Application]) -> list[SelectChoice]:
    """One choice per application and environment: "shop/dev"."""
    return [SelectChoice(f"{app.name}/{env.name}", f"{app.name} · {env.name}")
            for app in apps for env in app.environments]


def find_target(apps: list[Application], target: str) -> tuple[Application, Environment] | None:
    """The application and environment a "shop/dev" target names."""
    app_name, _, env_name = target.partition("/")
    for app in apps:
        if app.name == app_name:
            for env in app.environments:
                if env.name == env_name:
                    return app, env
    return None


def history(source: str) -> list[Deployment]:
    """The newest deploy attempts from one page, newest first."""
    return list(db.session.scalars(
        select(Deployment).where(Deployment.source == source)
        .order_by(Deployment.created_at.desc(), Deployment.id.desc()).limit(HISTORY_LENGTH)))


def last_deployment(source: str, application: str, environment: str) -> Deployment | None:
    """The last successful deploy of application to environment from one page."""
    return db.session.scalar(
        select(Deployment)
        .where(Deployment.source == source, Deployment.application == application,
               Deployment.environment == environment,
               Deployment.outcome.in_(("deployed", "unchanged", "proposed")))
        .order_by(Deployment.id.desc()).limit(1))


def deployment(deployment_id: int) -> Deployment | None:
    """One deploy attempt."""
    return db.session.get(Deployment, deployment_id)
