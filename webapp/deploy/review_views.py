"""Routes that review and undo deploys: preview a change, roll back to a revision, and ask
a pull/merge request's state."""

from __future__ import annotations

from flask import abort, g, make_response, redirect, render_template, url_for

from webapp.deploy import bp, pages, proposals
from webapp.deploy.forms import RollbackForm
from webapp.deploy.review import preview
from webapp.deploy.rollback import RollbackRefused, rollback_request
from webapp.deploy.service import (
    DeployBusy,
    DeployRefused,
    GateClosed,
    PreviewOutdated,
    argo_settings,
    deploy,
    gate,
)
from webapp.deploy.sources import SOURCES, DeploySource
from webapp.deploy.views import page, posted
from webapp.htmx import is_htmx
from webapp.providers.base import ProviderError


@bp.post("/deployment-template/preview")
def preview_template():
    """The exact diff a deploy of these values would make; nothing is committed."""
    return _preview(SOURCES["template"])


@bp.post("/charts/preview")
def preview_chart():
    """The exact diff a chart deploy would make; nothing is committed."""
    return _preview(SOURCES["chart"])


def _preview(source: DeploySource):
    checked = posted(source)
    if checked.refusal is not None:
        return checked.refusal
    try:
        shown = preview(checked.application, checked.environment, source, checked.request,
                        checked.active, argo_settings())
    except DeployRefused as refused:
        return page(source.id, checked.form, status=422, refused=str(refused))
    except ProviderError as error:
        return page(source.id, checked.form, status=502, failure=str(error))
    return page(source.id, checked.form, preview=shown)


@bp.post("/rollback/preview")
def preview_rollback():
    """The diff a rollback to the chosen revision would make; nothing is committed."""
    return _rollback(commit=False)


@bp.post("/rollback")
def rollback():
    """Commit (or propose) the chosen revision's files again, as a new revision."""
    return _rollback(commit=True)


def _rollback(commit: bool):
    try:
        active = gate()
    except GateClosed as closed:
        return page("template", status=409, active=None, refused=str(closed))
    apps = pages.applications()
    form = RollbackForm()
    form.target.choices = pages.target_choices(apps)
    if not form.validate():
        problems = " ".join(error for errors in form.errors.values() for error in errors)
        return page("template", status=422, refused=f"Nothing was rolled back: {problems}")
    app, env = pages.find_target(apps, form.target.data)
    try:
        source, request = rollback_request(app, env, form.revision.data,
                                           form.preview_hash.data or None)
    except RollbackRefused as refused:
        return page("template", status=422, refused=str(refused))
    target = form.target.data
    try:
        if not commit:
            shown = preview(app, env, source, request, active, argo_settings())
            return page(source.id, target=target, preview=shown,
                        rollback_revision=form.revision.data)
        result = deploy(app, env, source, request, g.user.username, active)
    except (DeployRefused, PreviewOutdated) as refused:
        return page(source.id, status=409 if isinstance(refused, PreviewOutdated) else 422,
                    target=target, refused=str(refused))
    except DeployBusy as busy:
        return page(source.id, status=409, target=target, refused=str(busy))
    except ProviderError as error:
        return page(source.id, status=502, target=target, failure=str(error))
    return page(source.id, target=target, result=result)


@bp.post("/deployments/<int:deployment_id>/refresh")
def refresh_request(deployment_id: int):
    """Ask the provider for the state of a deploy's pull/merge request (one request)."""
    note = None
    try:
        deployment = proposals.refresh(deployment_id)
    except LookupError:
        abort(404)
    except (proposals.RefreshImpossible, ProviderError) as problem:
        deployment, note = pages.deployment(deployment_id), str(problem)
    if not is_htmx():
        return redirect(url_for(SOURCES[deployment.source].page_endpoint), code=303)
    response = make_response(render_template("partials/request_state.html", d=deployment,
                                             note=note, refreshed=True))
    response.vary.add("HX-Request")
    return response
