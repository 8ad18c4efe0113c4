"""Routes that manage applications: create one, add an environment, set its repository."""

from __future__ import annotations

from flask import g, redirect, url_for

from webapp.deploy import bp, catalog
from webapp.deploy.forms import ApplicationForm, EnvironmentForm, RepositoryUrlForm
from webapp.deploy.views import page


@bp.post("/applications")
def create_application():
    """A new application with its first environments."""
    form = ApplicationForm()
    if not form.validate():
        return page("template", status=422, application_form=form)
    try:
        created = catalog.create_application(form.name.data, form.environment_names(),
                                             form.repository_url.data, g.user.username)
    except catalog.CatalogError as refused:
        form[refused.field].errors = refused.messages
        return page("template", status=422, application_form=form)
    first = created.environments[0].name if created.environments else ""
    return redirect(url_for("deploy.deployment_template", target=f"{created.name}/{first}"),
                    code=303)


@bp.post("/applications/<name>/environments")
def create_environment(name: str):
    """One more environment of an application."""
    form = EnvironmentForm()
    if not form.validate():
        return page("template", status=422, environment_form=form, environment_for=name)
    try:
        catalog.add_environment(name, form.name.data, g.user.username)
    except catalog.NoSuchApplication as missing:
        return page("template", status=404, environment_error=str(missing))
    except catalog.CatalogError as refused:
        form.name.errors = refused.messages
        return page("template", status=422, environment_form=form, environment_for=name)
    return redirect(url_for("deploy.deployment_template", target=f"{name}/{form.name.data}"),
                    code=303)


@bp.post("/applications/<name>/repository")
def set_repository_url(name: str):
    """The repository an administrator made for an application not deployed yet."""
    form = RepositoryUrlForm()
    if not form.validate():
        return page("template", status=422, repository_form=form, repository_for=name)
    try:
        catalog.set_repository_url(name, form.repository_url.data, g.user.username)
    except catalog.NoSuchApplication as missing:
        return page("template", status=404, environment_error=str(missing))
    except catalog.CatalogError as refused:
        form.repository_url.errors = refused.messages
        return page("template", status=422, repository_form=form, repository_for=name)
    return redirect(url_for("deploy.deployment_template"), code=303)
