"""Routes of the Deployment Template and Charts pages."""

from __future__ import annotations

from flask import g, make_response, render_template, request

from webapp.audit import record
from webapp.deploy import bp, pages
from webapp.deploy.chart import (
    DEFAULT_DATA,
    DEFAULT_VALUES,
    VALUES_SCHEMA,
    ChartSource,
    chart_files,
    template_files,
)
from webapp.deploy.forms import (
    ApplicationForm,
    ChartDeployForm,
    TemplateDeployForm,
)
from webapp.deploy.lease import DeployBusy
from webapp.deploy.names import release_name
from webapp.deploy.service import DeployRefused, GateClosed, argo_settings, deploy
from webapp.deploy.values import parse_values
from webapp.htmx import is_htmx
from webapp.providers.base import Author, ProviderError
from webapp.settings.service import active_config

PAGES = {"template": "deploy/deployment_template.html", "chart": "deploy/charts.html"}


def page(source: str, form=None, status: int = 200, **context):
    """A deploy page with its applications, history and forms; htmx gets the deploy panel."""
    apps = pages.applications()
    if form is None:
        form = _fresh_form(source, apps)
    form.target.choices = pages.target_choices(apps)
    context.setdefault("application_form", ApplicationForm(formdata=None))
    fragment = is_htmx()
    template = "partials/deploy_panel.html" if fragment else PAGES[source]
    response = make_response(render_template(
        template, source=source, form=form, apps=apps, active=active_config(),
        history=pages.history(source), out_of_band=fragment, **context), status)
    response.vary.add("HX-Request")
    return response


def _fresh_form(source: str, apps):
    """The deploy form of source, set to ?target= (or the first) and its last values."""
    target = request.args.get("target", "")
    if pages.find_target(apps, target) is None:  # none asked for, or one that does not exist
        target = next((f"{a.name}/{e.name}" for a in apps for e in a.environments), "")
    app_name, _, env_name = target.partition("/")
    last = pages.last_deployment(source, app_name, env_name)
    if source == "template":
        return TemplateDeployForm(formdata=None, target=target,
                                  values=last.values_text if last else DEFAULT_VALUES)
    if last is None:
        return ChartDeployForm(formdata=None, target=target, values="{}\n")
    return ChartDeployForm(formdata=None, target=target, values=last.values_text,
                           repository=last.chart_repository, chart=last.chart_name,
                           version=last.chart_version)


def _posted_form(source: str, apps):
    """The deploy form as posted, its choices the current targets."""
    form = TemplateDeployForm() if source == "template" else ChartDeployForm()
    form.target.choices = pages.target_choices(apps)
    return form


@bp.get("/deployment-template")
def deployment_template():
    """Deploy an application from the built-in reference chart."""
    return page("template")


@bp.get("/charts")
def charts():
    """Deploy a chart from a Helm repository."""
    return page("chart")


@bp.post("/deployment-template")
def deploy_template():
    """Check the values, then commit the reference chart and them."""
    return _deploy("template")


@bp.post("/charts")
def deploy_chart():
    """Check the form, then commit a wrapper chart of the chosen chart with the values."""
    return _deploy("chart")


GATE_CLOSED = ("Nothing was deployed: GitOps is not configured. Save and activate a git "
               "provider first.")


def _deploy(source: str):
    if active_config() is None:
        return page(source, status=409, refused=GATE_CLOSED)
    apps = pages.applications()
    form = _posted_form(source, apps)
    if not form.validate():
        return page(source, form, status=422)
    app, env = pages.find_target(apps, form.target.data)
    if source == "template":
        values, problems = parse_values(form.values.data or "", VALUES_SCHEMA, DEFAULT_DATA)
    else:
        values, problems = parse_values(form.values.data or "")
    if problems:
        form.values.errors = [str(problem) for problem in problems]
        return page(source, form, status=422)
    argo = argo_settings()
    if source == "template":
        def make_files(repo_url, branch):
            return template_files(app.name, env.name, form.values.data, repo_url, branch, argo)
        manifest = f"envs/{env.name}/application.yaml"
    else:
        chart = ChartSource(form.repository.data, form.chart.data, form.version.data)

        def make_files(repo_url, branch):
            return chart_files(app.name, env.name, chart, values, repo_url, branch, argo)
        manifest = f"{release_name(app.name, env.name)}/application.yaml"
    target = f"{app.name}/{env.name}"
    try:
        result = deploy(app, env, source, make_files, manifest, form.values.data or "",
                        chart=None if source == "template" else chart,
                        actor=g.user.username, author=author_of(g.user.username))
    except GateClosed:
        return page(source, status=409, refused=GATE_CLOSED)
    except DeployRefused as refused:
        record("deploy", target, {"source": source, "outcome": "refused"})
        return page(source, form, status=422, refused=str(refused))
    except DeployBusy as busy:
        record("deploy", target, {"source": source, "outcome": "busy"})
        return page(source, form, status=409, refused=str(busy))
    except ProviderError as error:
        record("deploy", target, {"source": source, "outcome": "failed"})
        return page(source, form, status=502, failure=str(error))
    record("deploy", target, {"source": source, "revision": result.deployment.revision,
                              "outcome": result.deployment.outcome,
                              "provider": result.deployment.provider})
    return page(source, form, result=result)


def author_of(username: str) -> Author:
    """The commit author for a signed-in user (their address if the username is one)."""
    email = username if "@" in username else f"{username}@users.noreply.gitops-console"
    return Author(username, email)
