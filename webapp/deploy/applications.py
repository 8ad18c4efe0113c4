"""Routes that manage applications: create one, add an environment, set its repository."""

from __future__ import annotations

from flask import abort, g, redirect, render_template, url_for

from webapp.deploy import bp, catalog, cleanup
from webapp.deploy.forms import (
    ApplicationForm,
    DeleteApplicationForm,
    EnvironmentForm,
    RepositoryUrlForm,
)
from webapp.deploy.lease import DeployBusy
from webapp.deploy.repositories import DeployRefused
from webapp.deploy.views import page
from webapp.providers.base import ProviderError


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
    try:
        catalog.application(name)  # an unknown application is a 404, whatever the form says
    except catalog.NoSuchApplication as missing:
        return page("template", status=404, environment_error=str(missing))
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
    try:
        catalog.application(name)
    except catalog.NoSuchApplication as missing:
        return page("template", status=404, environment_error=str(missing))
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


@bp.get("/applications/<name>/delete")
def confirm_delete_application(name: str):
    """Ask before deleting an application (and, if ticked, its repository)."""
    try:
        application = catalog.application(name)
    except catalog.NoSuchApplication:
        abort(404)
    return render_template("deploy/delete_application.html", application=application,
                           form=DeleteApplicationForm(formdata=None))


@bp.post("/applications/<name>/delete")
def delete_application(name: str):
    """Delete the application; its history stays, its repository goes only when ticked."""
    form = DeleteApplicationForm()
    try:
        application = catalog.application(name)
        cleanup.delete_application(application, bool(form.delete_repository.data),
                                   g.user.username)
    except catalog.NoSuchApplication:
        abort(404)
    except (DeployBusy, DeployRefused, ProviderError) as refused:
        return render_template("deploy/delete_application.html", application=application,
                               form=form, error=str(refused)), 409 if isinstance(
                                   refused, DeployBusy) else 422
    return redirect(url_for("deploy.deployment_template"), code=303)


@bp.get("/applications/<name>/environments/<env>/delete")
def confirm_delete_environment(name: str, env: str):
    """Ask before removing an environment and its files."""
    try:
        application, environment = catalog.target(name, env)
    except catalog.NoSuchApplication:
        abort(404)
    return render_template("deploy/delete_environment.html", application=application,
                           environment=environment)


@bp.post("/applications/<name>/environments/<env>/delete")
def delete_environment(name: str, env: str):
    """Remove the environment's files from the repository in one commit, then the environment."""
    try:
        application, environment = catalog.target(name, env)
        cleanup.delete_environment(application, environment, g.user.username)
    except catalog.NoSuchApplication:
        abort(404)
    except (DeployBusy, DeployRefused, ProviderError) as refused:
        return render_template("deploy/delete_environment.html", application=application,
                               environment=environment, error=str(refused)), 409 if isinstance(
                                   refused, DeployBusy) else 422
    return redirect(url_for("deploy.deployment_template"), code=303)
