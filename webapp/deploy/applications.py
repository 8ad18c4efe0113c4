"""Routes that manage applications: create one, add an environment, set its repository."""

from __future__ import annotations

import re

from flask import redirect, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.audit import record
from webapp.deploy import bp
from webapp.deploy.forms import DNS_LABEL, ApplicationForm, EnvironmentForm, RepositoryUrlForm
from webapp.deploy.names import release_name_problems
from webapp.deploy.views import page
from webapp.extensions import db
from webapp.models import Application, Environment
from webapp.providers import KINDS
from webapp.settings.service import active_config


@bp.post("/applications")
def create_application():
    """A new application with its first environments."""
    form = ApplicationForm()
    active = active_config()
    if not form.validate():
        return page("template", status=422, application_form=form)
    if active is not None and active.repositories_precreated and not form.repository_url.data:
        form.repository_url.errors = [
            f"Enter the URL of the repository an administrator made for {form.name.data}: "
            f"repositories are not created automatically on {KINDS[active.kind].label}."]
        return page("template", status=422, application_form=form)
    clashes = release_name_problems(form.name.data, form.environment_names(), _pairs())
    if clashes:
        form.environments.errors = clashes
        return page("template", status=422, application_form=form)
    application = Application(name=form.name.data, repository_url=form.repository_url.data
                              or None)
    application.environments = [Environment(name=name) for name in form.environment_names()]
    db.session.add(application)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.name.errors = [f"An application named {form.name.data} already exists."]
        return page("template", status=422, application_form=form)
    record("application_created", application.name,
           {"environments": form.environment_names()})
    first = application.environments[0].name if application.environments else ""
    return redirect(url_for("deploy.deployment_template", target=f"{application.name}/{first}"),
                    code=303)


@bp.post("/applications/<name>/environments")
def create_environment(name: str):
    """One more environment of an application."""
    form = EnvironmentForm()
    application = _application(name)
    if application is None:
        return page("template", status=404, environment_error=f"No application {name}.")
    if not form.validate():
        return page("template", status=422, environment_form=form, environment_for=name)
    clashes = release_name_problems(name, [form.name.data], _pairs())
    if clashes:
        form.name.errors = clashes
        return page("template", status=422, environment_form=form, environment_for=name)
    db.session.add(Environment(application_id=application.id, name=form.name.data))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.name.errors = [f"{name} already has an environment {form.name.data}."]
        return page("template", status=422, environment_form=form, environment_for=name)
    record("environment_created", f"{name}/{form.name.data}")
    return redirect(url_for("deploy.deployment_template",
                            target=f"{name}/{form.name.data}"), code=303)


def _application(name: str) -> Application | None:
    """The application named in the URL; None, unasked, for a name none can have."""
    # Not even queried: PostgreSQL refuses some strings (NUL) outright.
    if len(name) > 63 or not re.fullmatch(DNS_LABEL, name):
        return None
    return db.session.scalar(select(Application).filter_by(name=name))


def _pairs() -> list[tuple[str, str]]:
    """Every (application, environment) that exists."""
    return list(db.session.execute(select(Application.name, Environment.name)
                                   .join(Environment.application)).all())


@bp.post("/applications/<name>/repository")
def set_repository_url(name: str):
    """The repository an administrator made for an application not deployed yet."""
    application = _application(name)
    if application is None:
        return page("template", status=404, environment_error=f"No application {name}.")
    form = RepositoryUrlForm()
    if application.config_id is not None:
        form.repository_url.errors = [
            f"{name} already deploys to {application.repository_name}: its repository is "
            "kept as long as that provider's configuration exists."]
    if form.repository_url.errors or not form.validate():
        return page("template", status=422, repository_form=form, repository_for=name)
    application.repository_url = form.repository_url.data
    db.session.commit()
    record("application_repository_set", name, {"fields": ["repository_url"]})
    return redirect(url_for("deploy.deployment_template"), code=303)
