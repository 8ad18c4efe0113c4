"""/api/v1 routes that review and undo deploys: preview, rollback, a request's state, and
clean-up of environments and applications."""

from __future__ import annotations

import re

from flask import g, jsonify, request

from webapp.api import bp, present
from webapp.api.deploys import deploy_input, find_target, open_gate, run_deploy
from webapp.api.errors import ApiError, provider_failure
from webapp.api.inputs import json_body
from webapp.api.openapi import documented
from webapp.deploy import catalog, cleanup, proposals
from webapp.deploy.lease import DeployBusy
from webapp.deploy.repositories import DeployRefused
from webapp.deploy.review import preview
from webapp.deploy.rollback import RollbackRefused, rollback_request
from webapp.deploy.service import argo_settings
from webapp.deploy.sources import SOURCES, DeploySource
from webapp.providers.base import ProviderError

PREVIEW_ANSWERS = {200: "Preview", 404: None, 409: None, 422: None, 429: None, 502: None,
                   504: None}


def _preview(app, environment, source: DeploySource, deploy_request, active):
    try:
        shown = preview(app, environment, source, deploy_request, active, argo_settings())
    except DeployRefused as refused:
        raise ApiError(422, "deploy_refused", str(refused)) from None
    except ProviderError as error:
        raise provider_failure(error) from None
    return jsonify(present.preview(shown))


@bp.post("/apps/<name>/environments/<env>/preview")
@documented("Preview a deploy of the reference chart: the exact diff, nothing committed",
            tag="deploys", body="TemplateDeployInput", responses=PREVIEW_ANSWERS)
def preview_template(name: str, env: str):
    """The same body as deploy; preview_hash in the answer makes a deploy insist on exactly
    this change."""
    active, app, environment, deploy_request = deploy_input(SOURCES["template"], name, env)
    return _preview(app, environment, SOURCES["template"], deploy_request, active)


@bp.post("/apps/<name>/environments/<env>/chart-preview")
@documented("Preview a chart deploy: the exact diff, nothing committed", tag="deploys",
            body="ChartDeployInput", responses=PREVIEW_ANSWERS)
def preview_chart(name: str, env: str):
    """The same body as chart-deploy."""
    active, app, environment, deploy_request = deploy_input(SOURCES["chart"], name, env)
    return _preview(app, environment, SOURCES["chart"], deploy_request, active)


def _rollback_input(name: str, env: str):
    active = open_gate()
    payload = json_body()
    app, environment = find_target(name, env)
    unknown = set(payload) - {"revision", "preview_hash"}
    revision, given_hash = payload.get("revision"), payload.get("preview_hash")
    fields = {key: ["Unknown field: send revision and, if you previewed, preview_hash."]
              for key in unknown}
    if isinstance(revision, bool) or not isinstance(revision, int) or not 1 <= revision < 2**31:
        fields["revision"] = ["Use the revision number (1 or more) from the history."]
    if given_hash is not None and not (isinstance(given_hash, str)
                                       and re.fullmatch(r"[0-9a-f]{64}", given_hash)):
        fields["preview_hash"] = ["Use the preview_hash a preview answered."]
    if fields:
        raise ApiError(422, "invalid_input", "Some fields need fixing.", fields=fields)
    try:
        source, deploy_request = rollback_request(app, environment, revision, given_hash)
    except RollbackRefused as refused:
        raise ApiError(422, "rollback_refused", str(refused),
                       fields={"revision": [str(refused)]}) from None
    return active, app, environment, source, deploy_request


@bp.post("/apps/<name>/environments/<env>/rollback-preview")
@documented("Preview a rollback to an earlier revision", tag="deploys", body="RollbackInput",
            responses=PREVIEW_ANSWERS)
def preview_rollback(name: str, env: str):
    """The diff a rollback to revision would make against the branch now."""
    active, app, environment, source, deploy_request = _rollback_input(name, env)
    return _preview(app, environment, source, deploy_request, active)


@bp.post("/apps/<name>/environments/<env>/rollback")
@documented("Roll back to an earlier revision's files, as a new revision", tag="deploys",
            body="RollbackInput",
            responses={200: "DeployResult", 201: "DeployResult", 404: None, 409: None,
                       422: None, 429: None, 502: None, 504: None})
def rollback(name: str, env: str):
    """Commits (or, in pull-request mode, proposes) exactly revision's files again."""
    active, app, environment, source, deploy_request = _rollback_input(name, env)
    return run_deploy(app, environment, source, deploy_request, active)


@bp.post("/deployments/<int(max=9223372036854775807):deployment_id>/refresh")
@documented("Ask the provider for the state of a deploy's pull/merge request", tag="deploys",
            responses={200: "Deployment", 404: None, 409: None, 429: None, 502: None,
                       504: None})
def refresh_deployment(deployment_id: int):
    """One request to the provider; the history records the state (open, merged, closed)."""
    try:
        refreshed = proposals.refresh(deployment_id)
    except LookupError as missing:
        raise ApiError(404, "not_found", str(missing)) from None
    except proposals.RefreshImpossible as impossible:
        raise ApiError(409, "refresh_impossible", str(impossible)) from None
    except ProviderError as error:
        raise provider_failure(error) from None
    return jsonify(present.deployment(refreshed))


@bp.delete("/apps/<name>/environments/<env>")
@documented("Delete an environment: its files leave the repository in one commit",
            tag="applications", responses={200: "Removed", 404: None, 409: None, 422: None,
                                           429: None, 502: None, 504: None})
def delete_environment(name: str, env: str):
    """Removes envs/<env>/ and <name>-<env>/ from the repository, then the environment; its
    deploys stay in the history."""
    app, environment = find_target(name, env)
    try:
        removed = cleanup.delete_environment(app, environment, g.user.username)
    except DeployBusy as busy:
        raise ApiError(409, "deploy_busy", str(busy), headers={"Retry-After": "5"}) from None
    except DeployRefused as refused:
        raise ApiError(422, "refused", str(refused)) from None
    except ProviderError as error:
        raise provider_failure(error) from None
    return jsonify(removed=removed)


@bp.delete("/apps/<name>")
@documented("Delete an application (and, if asked, its repository)", tag="applications",
            query={"delete_repository": "boolean"},
            responses={200: "ApplicationDeleted", 404: None, 409: None, 422: None, 429: None,
                       502: None, 504: None})
def delete_application(name: str):
    """Its deploys stay in the history; ?delete_repository=true deletes its repository too,
    if the token may (else nothing is deleted: 502 naming the missing right)."""
    raw = request.args.get("delete_repository", "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise ApiError(400, "bad_request", "delete_repository is true or false.")
    try:
        app = catalog.application(name)
        deleted = cleanup.delete_application(app, raw in ("true", "1"), g.user.username)
    except catalog.NoSuchApplication as missing:
        raise ApiError(404, "not_found", str(missing)) from None
    except DeployBusy as busy:
        raise ApiError(409, "deploy_busy", str(busy), headers={"Retry-After": "5"}) from None
    except DeployRefused as refused:
        raise ApiError(422, "refused", str(refused)) from None
    except ProviderError as error:
        raise provider_failure(error) from None
    return jsonify(deleted=name, repository_deleted=deleted)
