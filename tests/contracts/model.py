"""Our own description of each provider operation the app uses, and how traffic is checked.

Each provider's module in tests/contracts/ lists its operations, written from
../shared/PROVIDER-APIS.md: method, path, query parameters, request body schema and the
responses (status -> body schema). Every request a client sends to a simulator and every
response a simulator gives is checked against it (tests/fakes/simulator.py), everywhere.
tests/test_provider_specs.py cross-checks these descriptions against the official API
descriptions in ../shared/provider-specs/ wherever that folder exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft7Validator

# --- schema helpers: our descriptions use plain JSON Schema ---------------------------

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
NUM = {"type": "number"}
SHA = {"type": "string", "pattern": "^[0-9a-f]{40}$"}
ANY = {}


def obj(properties: dict[str, Any] | None = None, required: tuple[str, ...] | list[str] = (),
        **extra) -> dict:
    """An object schema; required defaults to none, other properties are allowed."""
    schema = {"type": "object", "properties": properties or {}, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def arr(items: dict) -> dict:
    """An array schema."""
    return {"type": "array", "items": items}


def nullable(schema: dict) -> dict:
    """schema, or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def enum(*values: str) -> dict:
    """One of values."""
    return {"enum": list(values)}


NO_BODY = None   # a response without a body (204) or a body that is not JSON (raw file)
RAW = "raw"      # a non-JSON body we do not check (raw file bytes, HTML sign-in page)


@dataclass(frozen=True)
class Operation:
    """One API operation as we use it."""

    id: str
    method: str
    path: str                                   # relative to the API base, {param} placeholders
    responses: dict[int, dict | str | None]     # status -> JSON schema, RAW or NO_BODY
    query: dict[str, bool] = field(default_factory=dict)   # name -> required
    request: dict | None = None                 # JSON schema of the body, if any
    media: str = "application/json"             # the request body's media type
    # Statuses the official description does not declare but the provider really sends,
    # each with the fact behind it (PROVIDER-APIS.md section and tag).
    quirks: dict[int, str] = field(default_factory=dict)
    source: str = ""                            # where the facts come from
    # An operation the official files in ../shared/provider-specs/ do not describe (they
    # are subsets): where it is documented instead. Such an exchange is checked against
    # this description only, and tests/test_provider_specs.py checks that it really is
    # absent from the official file.
    documented_elsewhere: str = ""

    @property
    def pattern(self) -> re.Pattern[str]:
        """The path as a regex over the raw (still percent-encoded) request path.

        {name} matches one segment; {name:path} several, not ending in "/" (GitHub's ref
        and path); {name:dir} a directory: nothing, or segments ending in "/" (Bitbucket's
        listing, whose root is the commit followed by a slash).
        """
        regex = re.escape(self.path)
        regex = re.sub(r"\\\{(\w+):path\\\}", r"(?P<\1>.*[^/])", regex)
        regex = re.sub(r"\\\{(\w+):dir\\\}", r"(?P<\1>(?:.*/)?)", regex)
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
        return re.compile(f"^{regex}$")


@dataclass
class Contract:
    """All operations of one provider, plus what every operation may answer."""

    provider: str
    operations: list[Operation]
    # Statuses any operation may answer (auth, rate limits, outages), with the fact behind.
    generic_statuses: dict[int, str] = field(default_factory=dict)
    # Query parameters any operation accepts (api-version, pagination), with the fact.
    generic_query: dict[str, str] = field(default_factory=dict)
    error_body: dict | None = None  # the provider's error body schema

    def match(self, method: str, raw_path: str, query=()) -> tuple[Operation, dict] | None:
        """The operation a request is for, and its path parameters.

        Operations may share a method and path and differ by a required query parameter
        (Azure's items list and single item, told apart by ?path=): the one whose required
        parameters are all present, and most numerous, wins.
        """
        found = [(operation, match.groupdict()) for operation in self.operations
                 if operation.method == method and (match := operation.pattern.match(raw_path))]
        fitting = [(operation, params) for operation, params in found
                   if all(name in query for name, required in operation.query.items()
                          if required)]
        return max(fitting or found, key=lambda pair: sum(pair[0].query.values()),
                   default=None)

    def get(self, operation_id: str) -> Operation:
        """The operation of that id."""
        for operation in self.operations:
            if operation.id == operation_id:
                return operation
        raise KeyError(f"{self.provider} has no operation {operation_id!r}")


def check_request(contract: Contract, operation: Operation, query: dict[str, list[str]],
                  body: Any, media: str | None) -> list[str]:
    """What is wrong with a request for operation, as sentences (empty when nothing is)."""
    problems = []
    for name, required in operation.query.items():
        if required and name not in query:
            problems.append(f"missing required query parameter {name!r}")
    for name in query:
        if name not in operation.query and name not in contract.generic_query:
            problems.append(f"query parameter {name!r} is not part of the operation")
    if operation.request is not None:
        if media is None or not media.startswith(operation.media):
            problems.append(f"request body should be {operation.media}, got {media}")
        else:
            problems += [f"request body: {message}"
                         for message in schema_errors(operation.request, body)]
    elif body not in (None, b"", ""):
        problems.append("the operation takes no request body")
    return problems


def check_response(contract: Contract, operation: Operation, status: int,
                   body: Any) -> list[str]:
    """What is wrong with a simulator's response for operation (empty when nothing is)."""
    if status in operation.responses:
        schema = operation.responses[status]
    elif status in contract.generic_statuses:
        schema = contract.error_body if body is not None else NO_BODY
        if isinstance(body, bytes | str):  # non-JSON error pages (429 "Retry later", 203 HTML)
            return []
    else:
        return [f"status {status} is not a documented answer of {operation.id}"]
    if schema is NO_BODY:
        return [] if body in (None, b"", "") else [f"status {status} should have no body"]
    if schema == RAW:
        return []
    return [f"response {status} body: {message}" for message in schema_errors(schema, body)]


_VALIDATORS: dict[int, Draft7Validator] = {}


def schema_errors(schema: dict, instance: Any) -> list[str]:
    """The validation errors of instance against schema, as short sentences."""
    validator = _VALIDATORS.get(id(schema))
    if validator is None:
        validator = _VALIDATORS[id(schema)] = Draft7Validator(schema)
    return [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
            for error in validator.iter_errors(instance)]
