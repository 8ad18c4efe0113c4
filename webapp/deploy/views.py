"""Routes of the Deployment Template and Charts pages."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, make_response, render_template, request

from webapp import pagecache
from webapp.configs.store import active_config
from webapp.deploy import bp, pages
from webapp.deploy.forms import ApplicationForm
from webapp.deploy.service import (
    DeployBusy,
    DeployRefused,
    GateClosed,
    PreviewOutdated,
    deploy,
    gate,
)
from webapp.deploy.sources import SOURCES, DeployRequest, DeploySource
from webapp.htmx import is_htmx
from webapp.providers.base import ProviderError


def page(source_id: str, form=None, status: int = 200, active=..., target: str | None = None,
         **context):
    """A deploy page with its applications, history and forms; htmx gets the deploy panel.

    active: the active configuration when the caller already knows it (one query less);
    target: the application and environment a fresh form shows (else ?target= or the first).
    """
    source = SOURCES[source_id]
    if active is ...:
        active = active_config()
    apps = pages.applications()
    if form is None:
        form = _fresh_form(source, apps, target)
    form.target.choices = pages.target_choices(apps)
    context.setdefault("application_form", ApplicationForm(formdata=None))
    fragment = is_htmx()
    template = "partials/deploy_panel.html" if fragment else source.page_template
    response = make_response(render_template(
        template, source=source, form=form, apps=apps, active=active,
        history=pages.history(source.id), out_of_band=fragment, **context), status)
    response.vary.add("HX-Request")
    return response


def _fresh_form(source: DeploySource, apps, target: str | None = None):
    """The deploy form of source, set to target, ?target= or the first, and its last values."""
    target = target or request.args.get("target", "")
    if pages.find_target(apps, target) is None:  # none asked for, or one that does not exist
        target = next((f"{a.name}/{e.name}" for a in apps for e in a.environments), "")
    app_name, _, env_name = target.partition("/")
    return source.fresh_form(target, pages.last_deployment(source.id, app_name, env_name))


@bp.get("/deployment-template")
def deployment_template():
    """Deploy an application from the built-in reference chart."""
    return pagecache.page(lambda: page("template"))


@bp.get("/charts")
def charts():
    """Deploy a chart from a Helm repository."""
    return pagecache.page(lambda: page("chart"))


@bp.post("/deployment-template")
def deploy_template():
    """Check the values, then commit the reference chart and them."""
    return _deploy(SOURCES["template"])


@bp.post("/charts")
def deploy_chart():
    """Check the form, then commit a wrapper chart of the chosen chart with the values."""
    return _deploy(SOURCES["chart"])


@dataclass(frozen=True)
class Posted:
    """A deploy form as posted and checked: what it asks for, or the page that refuses it."""

    form: object = None
    active: object = None
    application: object = None
    environment: object = None
    request: DeployRequest | None = None
    refusal: object = None  # the response to send instead


def posted(source: DeploySource) -> Posted:
    """The gate, then the form, then its values: the deploy and the preview check alike."""
    try:
        active = gate()
    except GateClosed as closed:
        return Posted(refusal=page(source.id, status=409, active=None, refused=str(closed)))
    apps = pages.applications()
    form = source.form_class()
    form.target.choices = pages.target_choices(apps)
    request_ = source.request_from(form) if form.validate() else None
    if request_ is None:
        return Posted(refusal=page(source.id, form, status=422, active=active))
    app, env = pages.find_target(apps, form.target.data)
    return Posted(form, active, app, env, request_)


def _deploy(source: DeploySource):
    checked = posted(source)
    if checked.refusal is not None:
        return checked.refusal
    form = checked.form
    try:
        result = deploy(checked.application, checked.environment, source, checked.request,
                        g.user.username, checked.active)
    except DeployRefused as refused:
        return page(source.id, form, status=422, refused=str(refused))
    except PreviewOutdated as outdated:
        return page(source.id, form, status=409, refused=str(outdated))
    except DeployBusy as busy:
        return page(source.id, form, status=409, refused=str(busy))
    except ProviderError as error:
        return page(source.id, form, status=502, failure=str(error))
    return page(source.id, form, result=result)
