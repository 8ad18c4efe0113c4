"""JSON Schemas of the API: request bodies derived from the forms that check them, and the
shapes of every answer (present.py writes them; tests hold real answers against these)."""

from __future__ import annotations

from functools import cache

from wtforms import BooleanField, DateField
from wtforms.validators import InputRequired, Length

from webapp.api.inputs import form_fields
from webapp.configs.forms import FORMS
from webapp.deploy.forms import (
    ApplicationForm,
    ChartDeployForm,
    EnvironmentForm,
    RepositoryUrlForm,
    TemplateDeployForm,
)
from webapp.providers import KINDS

STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
TIME = {"type": ["string", "null"], "format": "date-time"}
VALUES = {"description": "Helm values: YAML text, or a JSON object.",
          "oneOf": [{"type": "string", "maxLength": 262144}, {"type": "object"}]}


def form_schema(form_class, *, leave_out=(), extra=None, renamed=None) -> dict:
    """The JSON Schema of a body the form class checks: names, types, lengths, required."""
    properties, required = {}, []
    spec_of = getattr(form_class, "kind", None)
    for name, unbound in form_fields(form_class):
        if name in leave_out:
            continue
        schema, needed = _field_schema(unbound, spec_of.spec(name) if spec_of and any(
            spec.name == name for spec in spec_of.fields) else None)
        api_name = (renamed or {}).get(name, (name,))[0]
        if api_name != name:
            schema = {"type": "boolean", "default": True,
                      "description": renamed[name][1]}
        properties[api_name] = schema
        if needed:
            required.append(api_name)
    properties.update(extra or {})
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _field_schema(unbound, spec) -> tuple[dict, bool]:
    label = unbound.args[0] if unbound.args else ""
    description = unbound.kwargs.get("description") or label
    if issubclass(unbound.field_class, BooleanField):
        return {"type": "boolean", "description": description}, False
    if issubclass(unbound.field_class, DateField):
        return {"type": ["string", "null"], "format": "date", "description": description}, False
    schema: dict = {"type": "string", "description": description}
    needed = False
    for validator in unbound.kwargs.get("validators") or ():
        if isinstance(validator, Length) and validator.max >= 0:
            schema["maxLength"] = validator.max
        needed = needed or isinstance(validator, InputRequired)
    if spec is not None:
        schema["maxLength"] = spec.max_length
        schema["description"] = spec.help or spec.label
        if spec.pattern_hint:
            schema["description"] += f" Use {spec.pattern_hint}."
        needed = spec.required and spec.kind != "secret"
    if needed:
        schema["minLength"] = 1
    else:  # null, like leaving it out, means blank
        schema["type"] = ["string", "null"]
    is_url = (spec is not None and spec.kind == "url") or \
        unbound.field_class.__name__ == "URLField"
    if is_url and needed:  # an optional URL may be left blank, which is no URI
        schema["format"] = "uri"
    return schema, needed


def _config_input(kind_id: str) -> dict:
    form = FORMS[kind_id]
    renamed = {"skip_tls_verify": ("verify_tls", "Verify the provider's TLS certificate "
                                                 "(switch off in labs only)."),
               "save_without_validating": ("validate", "Validate against the provider "
                                                       "before saving (default true).")}
    return form_schema(form, leave_out=("version",), renamed=renamed, extra={
        "version": {"type": ["integer", "null"], "description":
                    "The version you read: required to change an existing configuration."}})


def _config() -> dict:
    fields = {name: NULLABLE_STRING for kind in KINDS.values() for name in
              [spec.name for spec in kind.fields if spec.kind != "secret"]}
    return _object({
        "kind": {"enum": list(KINDS)}, "label": STRING, "active": {"type": "boolean"},
        "version": {"type": "integer"}, **fields, "credential_type": NULLABLE_STRING,
        "branch": STRING, "repository_prefix": STRING,
        "repositories_precreated": {"type": "boolean"},
        "validation_repository": NULLABLE_STRING, "verify_tls": {"type": "boolean"},
        "pull_requests": {"type": "boolean"}, "require_preview": {"type": "boolean"},
        "token_expires_at": TIME,
        "has_token": {"type": "boolean"}, "has_ca_bundle": {"type": "boolean"},
        "validation": {"oneOf": [{"$ref": "#/components/schemas/ValidationReport"},
                                 {"type": "null"}]},
        "validated_at": TIME, "created_at": TIME, "updated_at": TIME,
    }, required=["kind", "label", "active", "version", "has_token"])


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "additionalProperties": False,
            "required": required or list(properties)}


def _list_of(name: str, paged: bool = False) -> dict:
    properties = {"items": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}}
    if paged:
        properties["next"] = {"type": ["string", "null"],
                              "description": "The URL of the following page, if any."}
    return _object(properties)


@cache
def components() -> dict:
    """The schemas and security schemes every operation refers to."""
    stage = _object({"id": STRING, "label": STRING,
                     "status": {"enum": ["passed", "failed", "warning", "skipped"]},
                     "message": STRING, "hint": STRING, "duration_ms": {"type": "integer"}})
    report = _object({
        "outcome": {"enum": ["passed", "failed", "warning"]}, "started_at": STRING,
        "finished_at": NULLABLE_STRING, "by": NULLABLE_STRING, "requests": {"type": "integer"},
        "leftover": NULLABLE_STRING,
        "token_expires_at": {"type": ["string", "null"], "description":
                             "When the provider says the token expires."},
        "token_expiry_known": {"type": "boolean", "description":
                               "Whether the provider says (GitHub, GitLab); else unknown."},
        "stages": {"type": "array", "items": {"$ref": "#/components/schemas/Stage"}}},
        required=["outcome", "started_at", "stages"])
    deployment = _object({
        "id": {"type": "integer"}, "application": STRING, "environment": STRING,
        "source": {"enum": ["template", "chart"]}, "revision": {"type": "integer"},
        "provider": NULLABLE_STRING,
        "outcome": {"enum": ["pending", "deployed", "unchanged", "proposed", "failed"]},
        "message": NULLABLE_STRING, "actor": NULLABLE_STRING, "commit_sha": NULLABLE_STRING,
        "commit_url": NULLABLE_STRING, "repository_web_url": NULLABLE_STRING,
        "chart": {"oneOf": [_object({"repository": STRING, "name": STRING,
                                     "version": STRING}), {"type": "null"}]},
        "created_at": TIME, "finished_at": TIME,
        "rollback_of": {"type": ["integer", "null"],
                        "description": "The revision whose files this deploy restored."},
        "branch": {"type": ["string", "null"],
                   "description": "Pull-request mode: the branch the deploy committed to."},
        "request": {"oneOf": [_object({"number": STRING, "url": STRING,
                                       "state": {"enum": ["open", "merged", "closed"]}}),
                              {"type": "null"}]},
        "values": {"type": ["string", "null"], "description": "Only when read one by one."},
    }, required=["id", "application", "environment", "source", "revision", "outcome"])
    preview = _object({
        "target": STRING, "branch": STRING, "unchanged": {"type": "boolean"},
        "summary": STRING, "new_repository": {"type": "boolean"},
        "pull_request": {"type": "boolean"},
        "preview_hash": {"type": "string", "description": "Send it with the deploy to make "
                                                          "it insist on exactly this change."},
        "files": {"type": "array", "items": _object({
            "path": STRING, "change": {"enum": ["added", "changed", "removed"]},
            "diff": STRING, "added_lines": {"type": "integer"},
            "removed_lines": {"type": "integer"}})}})
    repository = _object({"name": STRING, "web_url": NULLABLE_STRING,
                          "clone_url": NULLABLE_STRING, "provider": NULLABLE_STRING})
    application = _object({
        "name": STRING, "repository_url": NULLABLE_STRING,
        "repository": {"oneOf": [repository, {"type": "null"}]},
        "environments": {"type": "array", "items": _object(
            {"name": STRING, "revisions": {"type": "integer"}})},
        "created_at": TIME})
    schemas = {
        "Error": _object({"error": _object({
            "code": STRING, "message": STRING,
            "fields": {"type": "object", "additionalProperties": {
                "type": "array", "items": STRING}},
            "validation": {"$ref": "#/components/schemas/ValidationReport"},
            "provider_code": STRING}, required=["code", "message", "fields"])}),
        "Stage": stage, "ValidationReport": report,
        "Config": _config(), "ConfigList": _list_of("Config"),
        "Status": _object({"configured": {"type": "boolean"},
                           "active_kind": {"type": ["string", "null"]},
                           "validated": {"type": "boolean"}, "validated_at": TIME}),
        "Application": application, "ApplicationList": _list_of("Application"),
        "Deployment": deployment, "DeploymentList": _list_of("Deployment", paged=True),
        "DeployResult": _object({
            "deployment": {"$ref": "#/components/schemas/Deployment"},
            "changed": {"type": "boolean"}, "commit_sha": NULLABLE_STRING,
            "commit_url": NULLABLE_STRING, "clone_url": STRING, "manifest": STRING,
            "repository_secret": STRING}),
        "AuditEvent": _object({"id": {"type": "integer"}, "at": TIME,
                               "actor": NULLABLE_STRING, "action": STRING,
                               "target": NULLABLE_STRING,
                               "details": {"type": ["object", "null"]},
                               "address": NULLABLE_STRING}),
        "AuditList": _list_of("AuditEvent", paged=True),
        "Preview": preview,
        "Removed": _object({"removed": {"type": "array", "items": STRING,
                                        "description": "The paths the commit removed."}}),
        "ApplicationDeleted": _object({"deleted": STRING,
                                       "repository_deleted": {"type": "boolean"}}),
        "RollbackInput": _object({
            "revision": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                         "description": "The revision whose files to commit again."},
            "preview_hash": {"type": ["string", "null"], "minLength": 64, "maxLength": 64,
                             "pattern": "^[0-9a-f]{64}$",
                             "description": "From the rollback's preview, to insist on it."}},
            required=["revision"]),
        "ApplicationInput": form_schema(ApplicationForm, extra={"environments": {
            "type": "array", "items": {"type": "string", "maxLength": 63},
            "description": "Environment names (DNS labels); default dev, staging, prod."}}),
        "EnvironmentInput": form_schema(EnvironmentForm),
        "RepositoryInput": form_schema(RepositoryUrlForm),
        "TemplateDeployInput": form_schema(TemplateDeployForm, leave_out=("target",),
                                           extra={"values": VALUES}),
        "ChartDeployInput": form_schema(ChartDeployForm, leave_out=("target",),
                                        extra={"values": VALUES}),
    }
    schemas.update({f"ConfigInput_{kind}": _config_input(kind) for kind in KINDS})
    return {"schemas": schemas, "securitySchemes": {
        "bearerAuth": {"type": "http", "scheme": "bearer",
                       "description": "An API token made under API tokens: gco_…"}}}

