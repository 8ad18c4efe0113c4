"""/api/v1/gitops/…: the saved provider configurations and "is GitOps configured?"."""

from __future__ import annotations

from flask import g, jsonify, request

from webapp.api import bp, present
from webapp.api.errors import ApiError
from webapp.api.inputs import bind, json_body
from webapp.api.openapi import documented
from webapp.configs import service
from webapp.configs.forms import FORMS
from webapp.configs.store import configs_by_kind, secret_problems
from webapp.providers import KINDS

# The API speaks of what is true (verify_tls, validate); the form of the exception.
RENAMED = {"verify_tls": ("skip_tls_verify", lambda value: not value),
           "validate": ("save_without_validating", lambda value: not value)}


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ApiError(404, "not_found", f"There is no provider kind {kind}: use one of "
                       + ", ".join(KINDS) + ".")
    return kind


def _saved(kind: str):
    saved = configs_by_kind().get(_kind(kind))
    if saved is None:
        raise ApiError(404, "not_found", f"No {KINDS[kind].label} configuration is saved.")
    return saved


def _form(kind: str, payload: dict):
    """The provider form of kind bound to payload and to what is saved; 422 if it fails."""
    saved = configs_by_kind().get(kind)
    form = bind(FORMS[kind], payload, renamed=RENAMED, integers=("version",), saved=saved,
                problems=secret_problems(saved))
    if not form.validate():
        raise ApiError(422, "invalid_input", "Some fields need fixing.",
                       fields={name: list(problems) for name, problems in form.errors.items()})
    return form


def _conflict(error: Exception, **extra) -> ApiError:
    return ApiError(409, "conflict", str(error), **extra)


@bp.get("/gitops/configs")
@documented("List the saved provider configurations", tag="configurations",
            responses={200: "ConfigList"})
def list_configs():
    """Every saved configuration (the active one says so)."""
    return jsonify(items=[present.config(saved) for saved in configs_by_kind().values()])


@bp.get("/gitops/status")
@documented("Is GitOps configured?", tag="configurations", responses={200: "Status"})
def gitops_status():
    """Whether a provider is saved and active, and whether its last validation passed."""
    return jsonify(present.status(service.status()))


@bp.get("/gitops/configs/<kind>")
@documented("Read one provider's configuration", tag="configurations", per_kind=True,
            responses={200: "Config", 404: None})
def get_config(kind: str):
    """The saved configuration of kind (never its token)."""
    return jsonify(present.config(_saved(kind)))


@bp.put("/gitops/configs/<kind>")
@documented("Save a provider configuration and make it the active one", tag="configurations",
            per_kind=True, body="ConfigInput",
            responses={200: "Config", 201: "Config", 409: None, 422: None, 503: None})
def put_config(kind: str):
    """Validate (unless validate is false), store and activate; the token is kept if left out
    and the host or namespace stay the same. version is the one read: 409 when stale."""
    form = _form(_kind(kind), json_body())
    existed = form.saved is not None
    if existed and form.submitted_version() is None:
        raise ApiError(409, "version_required", "This configuration exists: send the version "
                       "you read (GET it first) so that nobody's change is overwritten.")
    try:
        saved = service.save(form.to_input(), g.user.username,
                             validate=not form.save_without_validating.data)
    except service.ValidationFailed as failed:
        raise ApiError(422, "validation_failed", str(failed),
                       validation=failed.report.to_json()) from None
    except service.ConfigConflict as conflict:
        raise _conflict(conflict) from None
    except service.StorageBusy as busy:
        raise ApiError(503, "storage_busy", str(busy), headers={"Retry-After": "2"}) from None
    body = present.config(saved.config)
    return jsonify(body), 200 if existed else 201


@bp.delete("/gitops/configs/<kind>")
@documented("Delete a provider configuration", tag="configurations", per_kind=True,
            query={"leave_unconfigured": "boolean"}, responses={204: None, 404: None, 409: None})
def delete_config(kind: str):
    """Delete it; the active one only with ?leave_unconfigured=true (closes deployments)."""
    leave = _flag("leave_unconfigured")
    try:
        service.delete(_kind(kind), g.user.username, leave_unconfigured=leave)
    except service.ConfigMissing as missing:
        raise ApiError(404, "not_found", str(missing)) from None
    except service.DeleteRefused as refused:
        raise ApiError(409, "delete_refused", str(refused)) from None
    except service.StorageBusy as busy:
        raise ApiError(503, "storage_busy", str(busy)) from None
    return "", 204


@bp.post("/gitops/configs/<kind>/validate")
@documented("Validate a configuration against the provider, stage by stage",
            tag="configurations", per_kind=True, body="ConfigInput", body_optional=True,
            responses={200: "ValidationReport", 404: None, 409: None, 422: None})
def validate_config(kind: str):
    """Without a body: the saved configuration, and the result is recorded. With a body:
    those values (the token may be left out to use the saved one), nothing is stored."""
    payload = json_body(optional=True)
    if payload:
        form = _form(_kind(kind), payload)
        return jsonify(service.check(form.to_input(), g.user.username).to_json())
    try:
        done = service.revalidate(_kind(kind), g.user.username)
    except service.ConfigMissing as missing:
        raise ApiError(404, "not_found", str(missing)) from None
    except service.SecretsUnreadable as unreadable:
        raise ApiError(422, "secret_unreadable", str(unreadable)) from None
    if not done.recorded:
        raise _conflict(done.note, validation=done.report.to_json())
    return jsonify(done.report.to_json())


@bp.post("/gitops/configs/<kind>/activate")
@documented("Make a saved configuration the active provider", tag="configurations",
            per_kind=True, responses={200: "Config", 404: None, 409: None})
def activate_config(kind: str):
    """Activate it (no re-validation); the provider active before is deactivated."""
    try:
        service.activate(_kind(kind), g.user.username)
    except service.ConfigMissing as missing:
        raise ApiError(404, "not_found", str(missing)) from None
    except (service.ConfigConflict, service.StorageBusy) as conflict:
        raise _conflict(conflict) from None
    return jsonify(present.config(_saved(kind)))


def _flag(name: str) -> bool:
    """A true/false query parameter; 400 for anything else."""
    raw = request.args.get(name, "false").lower()
    if raw not in ("true", "false", "1", "0"):
        raise ApiError(400, "bad_request", f"{name} is true or false.")
    return raw in ("true", "1")
