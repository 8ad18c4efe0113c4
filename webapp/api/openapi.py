"""The API's OpenAPI 3.1 description, derived from the routes themselves.

Each route carries its summary, body and answers (@documented); paths, methods and path
parameters come from Flask's URL map, request bodies from the very forms that check them
(schemas.py), so the description cannot list a route that does not exist nor miss one:
building it fails on an undocumented API route.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

from webapp.api.schemas import components
from webapp.providers import KINDS

API_PREFIX = "/api/v1"
PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
BIGGEST = 2**63 - 1  # what the databases' integer ids can hold
QUERY_SCHEMAS = {"boolean": {"type": "boolean"}, "string": {"type": "string"},
                 "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
                 "id": {"type": "integer", "minimum": 1, "maximum": BIGGEST}}
ERROR_TEXT = {400: "The request is malformed.", 401: "No valid API token (or session).",
              403: "Not allowed: a viewer, or a cookie request without its CSRF token.",
              404: "No such resource.", 409: "A conflict: stale version, gate closed, busy.",
              413: "The body is too large.", 415: "The body is not JSON.",
              422: "The input needs fixing: see error.fields.",
              429: "The provider is limiting requests: retry after Retry-After.",
              500: "A bug on our side; nothing half-done was stored.",
              502: "The provider failed.", 503: "The database is busy: retry.",
              504: "The provider did not answer in time."}


@dataclass(frozen=True)
class Operation:
    """What a route says about itself for the description."""

    summary: str
    tag: str
    responses: dict[int, str | None]
    body: str | None = None
    body_optional: bool = False
    query: dict[str, str] = field(default_factory=dict)
    per_kind: bool = False  # one path per provider kind, each with its own body schema
    public: bool = False


def documented(summary: str, *, tag: str, responses: dict[int, str | None],
               body: str | None = None, body_optional: bool = False,
               query: dict[str, str] | None = None, per_kind: bool = False,
               public: bool = False) -> Callable:
    """Attach an Operation to a route function."""
    def attach(function: Callable) -> Callable:
        function.openapi = Operation(summary, tag, responses, body, body_optional,
                                     query or {}, per_kind, public)
        return function
    return attach


def describe(app: Flask) -> dict:
    """The whole OpenAPI 3.1 document of app's API routes."""
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        view = app.view_functions[rule.endpoint]
        operation: Operation | None = getattr(view, "openapi", None)
        if operation is None:
            raise LookupError(f"{rule.endpoint} ({rule.rule}) has no @documented description")
        for kind in (KINDS if operation.per_kind else [None]):
            path = _path(rule.rule, kind)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                paths.setdefault(path, {})[method.lower()] = _operation(
                    rule, view, operation, method, kind)
    return {
        "openapi": "3.1.0",
        "info": {"title": "GitOps Console API", "version": "1",
                 "description": "Configure the git provider, manage applications and deploy "
                                "them from pipelines. Authenticate with an API token: "
                                "Authorization: Bearer gco_…"},
        "servers": [{"url": API_PREFIX}],
        "paths": paths,
        "components": components(),
        "security": [{"bearerAuth": []}],
    }


def _path(rule: str, kind: str | None) -> str:
    path = rule[len(API_PREFIX):]
    if kind is not None:
        path = path.replace("<kind>", kind)
    return PARAMETER.sub(lambda m: "{" + m.group(2) + "}", path)


def _operation(rule, view, operation: Operation, method: str, kind: str | None) -> dict:
    suffix = f"_{kind}" if kind else ""
    doc = " ".join((view.__doc__ or "").split())
    result: dict = {"operationId": f"{rule.endpoint.removeprefix('api.')}{suffix}",
                    "summary": operation.summary + (f" ({KINDS[kind].label})" if kind else ""),
                    "description": doc, "tags": [operation.tag]}
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": ({"type": "integer", "minimum": 0, "maximum": BIGGEST}
                              if converter == "int" else {"type": "string", "minLength": 1})}
                  for converter, name in PARAMETER.findall(rule.rule) if name != "kind"]
    parameters += [{"name": name, "in": "query", "required": False,
                    "schema": QUERY_SCHEMAS[kind_of]} for name, kind_of in operation.query.items()]
    if parameters:
        result["parameters"] = parameters
    statuses = dict(operation.responses)
    if operation.query:
        statuses.setdefault(400, None)  # a query parameter of the wrong shape
    if operation.body:
        name = f"{operation.body}_{kind}" if kind else operation.body
        result["requestBody"] = {"required": not operation.body_optional, "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}
        statuses.update({400: None, 415: None, 413: None})
        statuses.setdefault(422, None)
    if operation.public:
        result["security"] = []
    else:
        statuses.update({401: None, 403: None})
    statuses[500] = None
    result["responses"] = {str(status): _response(status, schema)
                           for status, schema in sorted(statuses.items())}
    return result


def _response(status: int, schema: str | None) -> dict:
    if status == 204:
        return {"description": "Done; no content."}
    if status >= 400:
        return {"description": ERROR_TEXT.get(status, "An error."), "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    reference = {"$ref": f"#/components/schemas/{schema}"} if schema else {}
    return {"description": "Created." if status == 201 else "OK.",
            "content": {"application/json": {"schema": reference}}}
