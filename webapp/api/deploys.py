"""/api/v1/apps/…: applications, their environments, and deploys from a pipeline."""

from __future__ import annotations

import yaml
from flask import g, jsonify, url_for
from wtforms.fields.choices import SelectChoice

from webapp.api import bp, present
from webapp.api.errors import ApiError, provider_failure
from webapp.api.inputs import bind, json_body
from webapp.api.openapi import documented
from webapp.deploy import catalog, pages
from webapp.deploy.forms import ApplicationForm, EnvironmentForm, RepositoryUrlForm
from webapp.deploy.service import (
    DeployBusy,
    DeployRefused,
    GateClosed,
    PreviewOutdated,
    deploy,
    gate,
)
from webapp.deploy.sources import SOURCES, DeploySource
from webapp.providers.base import ProviderError


def _fields(form) -> dict[str, list[str]]:
    return {name: list(problems) for name, problems in form.errors.items()}


def _checked(form):
    if not form.validate():
        raise ApiError(422, "invalid_input", "Some fields need fixing.", fields=_fields(form))
    return form


def _catalog_error(error: catalog.CatalogError) -> ApiError:
    return ApiError(422, "invalid_input", str(error), fields={error.field: error.messages})


def _missing(error: catalog.NoSuchApplication) -> ApiError:
    return ApiError(404, "not_found", str(error))


@bp.get("/apps")
@documented("List the applications and their environments", tag="applications",
            responses={200: "ApplicationList"})
def list_apps():
    """Every application, with its environments and repository."""
    return jsonify(items=[present.application(app) for app in pages.applications()])


@bp.post("/apps")
@documented("Create an application with its first environments", tag="applications",
            body="ApplicationInput", responses={201: "Application", 422: None})
def create_app():
    """name, environments (a list, default dev, staging, prod) and, where an administrator
    makes repositories, repository_url."""
    payload = json_body()
    if "environments" in payload:
        environments = payload["environments"]
        if not isinstance(environments, list) or \
                not all(isinstance(name, str) for name in environments):
            raise ApiError(422, "invalid_input", "environments is a list of names.",
                           fields={"environments": ["Use a list of names."]})
        payload = {**payload, "environments": ", ".join(environments)}
    form = _checked(bind(ApplicationForm, payload))
    try:
        created = catalog.create_application(form.name.data, form.environment_names(),
                                             form.repository_url.data, g.user.username)
    except catalog.CatalogError as refused:
        raise _catalog_error(refused) from None
    return jsonify(present.application(created)), 201, {
        "Location": url_for("api.get_app", name=created.name)}


@bp.get("/apps/<name>")
@documented("Read one application", tag="applications",
            responses={200: "Application", 404: None})
def get_app(name: str):
    """The application, its environments and its repository."""
    try:
        return jsonify(present.application(catalog.application(name)))
    except catalog.NoSuchApplication as missing:
        raise _missing(missing) from None


@bp.post("/apps/<name>/environments")
@documented("Add an environment to an application", tag="applications",
            body="EnvironmentInput", responses={201: "Application", 404: None, 422: None})
def add_environment(name: str):
    """One more environment (a DNS label)."""
    form = _checked(bind(EnvironmentForm, json_body()))
    try:
        catalog.add_environment(name, form.name.data, g.user.username)
        return jsonify(present.application(catalog.application(name))), 201
    except catalog.NoSuchApplication as missing:
        raise _missing(missing) from None
    except catalog.CatalogError as refused:
        raise _catalog_error(refused) from None


@bp.put("/apps/<name>/repository")
@documented("Set the repository an administrator made for an application",
            tag="applications", body="RepositoryInput",
            responses={200: "Application", 404: None, 422: None})
def set_repository(name: str):
    """Only before its first deploy (afterwards it keeps its repository)."""
    form = _checked(bind(RepositoryUrlForm, json_body()))
    try:
        updated = catalog.set_repository_url(name, form.repository_url.data, g.user.username)
    except catalog.NoSuchApplication as missing:
        raise _missing(missing) from None
    except catalog.CatalogError as refused:
        raise _catalog_error(refused) from None
    return jsonify(present.application(updated))


@bp.post("/apps/<name>/environments/<env>/deploy")
@documented("Deploy the reference chart with these values", tag="deploys",
            body="TemplateDeployInput",
            responses={200: "DeployResult", 201: "DeployResult", 404: None, 409: None,
                       422: None, 429: None, 502: None, 504: None})
def deploy_template(name: str, env: str):
    """values: YAML text or a JSON object, checked against the chart's schema."""
    return _deploy(SOURCES["template"], name, env)


@bp.post("/apps/<name>/environments/<env>/chart-deploy")
@documented("Deploy a chart from a Helm repository with these values", tag="deploys",
            body="ChartDeployInput",
            responses={200: "DeployResult", 201: "DeployResult", 404: None, 409: None,
                       422: None, 429: None, 502: None, 504: None})
def deploy_chart(name: str, env: str):
    """repository, chart, version and values (YAML text or a JSON object)."""
    return _deploy(SOURCES["chart"], name, env)


def _deploy(source: DeploySource, name: str, env: str):
    active, app, environment, request = deploy_input(source, name, env)
    return run_deploy(app, environment, source, request, active)


def deploy_input(source: DeploySource, name: str, env: str):
    """(active configuration, application, environment, checked request) of a deploy call."""
    active = open_gate()
    payload = json_body()
    app, environment = find_target(name, env)
    if "target" in payload:  # the URL names the target; a body must not say otherwise
        raise ApiError(422, "invalid_input", "The URL names the application and environment.",
                       fields={"target": ["Unknown field: the URL names the target."]})
    target = f"{name}/{env}"
    payload = {**payload, "values": _values_text(payload.get("values", "")), "target": target}
    form = bind(source.form_class, payload)
    form.target.choices = [SelectChoice(target, target)]
    _checked(form)
    request = source.request_from(form)
    if request is None:
        raise ApiError(422, "invalid_values", "The values need fixing.", fields=_fields(form))
    return active, app, environment, request


def open_gate():
    """The active configuration, or 409 gate_closed."""
    try:
        return gate()
    except GateClosed as closed:
        raise ApiError(409, "gate_closed", str(closed)) from None


def find_target(name: str, env: str):
    """The application and environment the URL names, or 404."""
    try:
        return catalog.target(name, env)
    except catalog.NoSuchApplication as missing:
        raise _missing(missing) from None


def run_deploy(app, environment, source: DeploySource, request, active):
    """Deploy and answer 201 (committed or proposed) or 200 (no changes), or the error."""
    try:
        result = deploy(app, environment, source, request, g.user.username, active)
    except DeployRefused as refused:
        raise ApiError(422, "deploy_refused", str(refused)) from None
    except PreviewOutdated as outdated:
        raise ApiError(409, "preview_outdated", str(outdated)) from None
    except DeployBusy as busy:
        raise ApiError(409, "deploy_busy", str(busy), headers={"Retry-After": "5"}) from None
    except ProviderError as error:
        raise provider_failure(error) from None
    return jsonify(present.deploy_result(result)), 201 if result.changed else 200


def _values_text(values) -> str:
    """Values as the YAML text a page would send; a JSON object is written out as YAML."""
    if isinstance(values, dict):
        return yaml.safe_dump(values, sort_keys=False, default_flow_style=False)
    if not isinstance(values, str):
        raise ApiError(422, "invalid_input", "values is YAML text or a JSON object.",
                       fields={"values": ["Use YAML text or a JSON object."]})
    return values
