"""Applications and their environments: created, extended and pointed at a repository.

Names arrive checked by the deploy forms (DNS labels); this module checks what needs the
database: names already taken, cluster names that would clash, a repository URL that the
active provider requires. Every change is audited, whichever door it came through.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.audit import record
from webapp.configs.store import active_config
from webapp.deploy.forms import DNS_LABEL
from webapp.deploy.names import release_name_problems
from webapp.extensions import db
from webapp.models import Application, Environment
from webapp.providers import KINDS


class CatalogError(Exception):
    """A change the catalog refuses; field names the input to fix."""

    def __init__(self, field: str, messages: list[str] | str) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))
        self.field = field


class NoSuchApplication(LookupError):
    """No application (or environment of it) of that name."""


def application(name: str) -> Application:
    """The application of that name, or NoSuchApplication."""
    if not re.fullmatch(DNS_LABEL, name or ""):  # no query for what cannot be a name
        raise NoSuchApplication(f"There is no application {name[:63]!r}.")
    found = db.session.scalar(select(Application).where(Application.name == name))
    if found is None:
        raise NoSuchApplication(f"There is no application {name}.")
    return found


def target(app_name: str, env_name: str) -> tuple[Application, Environment]:
    """The application and its environment of those names, or NoSuchApplication."""
    app = application(app_name)
    env = next((env for env in app.environments if env.name == env_name), None)
    if env is None:
        raise NoSuchApplication(f"{app_name} has no environment {env_name}.")
    return app, env


def create_application(name: str, environments: list[str], repository_url: str | None,
                       actor: str | None) -> Application:
    """A new application with its first environments."""
    active = active_config()
    if active is not None and active.repositories_precreated and not repository_url:
        raise CatalogError("repository_url", (
            f"Enter the URL of the repository an administrator made for {name}: "
            f"repositories are not created automatically on {KINDS[active.kind].label}."))
    clashes = release_name_problems(name, environments, _pairs())
    if clashes:
        raise CatalogError("environments", clashes)
    created = Application(name=name, repository_url=repository_url or None)
    created.environments = [Environment(name=env) for env in environments]
    db.session.add(created)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise CatalogError("name", f"An application named {name} already exists.") from None
    record("application_created", name, {"environments": environments}, actor=actor)
    return created


def add_environment(app_name: str, env_name: str, actor: str | None) -> Environment:
    """One more environment of an application."""
    app = application(app_name)
    clashes = release_name_problems(app_name, [env_name], _pairs())
    if clashes:
        raise CatalogError("name", clashes)
    created = Environment(application_id=app.id, name=env_name)
    db.session.add(created)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise CatalogError("name", f"{app_name} already has an environment "
                                   f"{env_name}.") from None
    record("environment_created", f"{app_name}/{env_name}", actor=actor)
    return created


def set_repository_url(app_name: str, url: str, actor: str | None) -> Application:
    """The repository an administrator made for an application not deployed yet."""
    app = application(app_name)
    if app.config_id is not None:
        raise CatalogError("repository_url", (
            f"{app_name} already deploys to {app.repository_name}: its repository is kept as "
            "long as that provider's configuration exists."))
    app.repository_url = url
    db.session.commit()
    record("application_repository_set", app_name, {"fields": ["repository_url"]}, actor=actor)
    return app


def _pairs() -> list[tuple[str, str]]:
    """Every (application, environment) that exists."""
    return list(db.session.execute(select(Application.name, Environment.name)
                                   .join(Environment.application)).all())
