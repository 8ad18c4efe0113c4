"""The providers' official API descriptions in ../shared/provider-specs/, read where they lie.

Used in two ways, wherever the folder exists (CI always has it beside the clone):
tests/test_provider_specs.py compares our own descriptions (tests/contracts/) with these
operation by operation, and the simulators check every exchange against them too.

Three deliberate relaxations, each a documented fact (PROVIDER-APIS.md):
- response schemas are checked without their `required` lists: the official schemas
  require dozens of fields the app never reads (GitHub's full-repository requires over
  eighty); what the simulator sends must still have the official names and types, and
  the structural test checks that every field our client reads is declared;
- Azure DevOps wraps lists as {count, value} where its swagger says `array` (§3h), and
  answers 201/204 where its swagger says 200: its recorded httpExamples are the truth;
- statuses the official files do not declare for an operation (401, 429, 5xx, and the
  quirks our descriptions list with their source) are not checked against them;
- Bitbucket's error and repository schemas are corrected where its recorded wire differs
  (WIRE_CORRECTIONS, each with its fact).
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator

from tests.contracts.model import RAW, Contract, Operation

SPECS_DIR = Path(os.environ.get("GITOPS_PROVIDER_SPECS")
                 or Path(__file__).resolve().parents[3] / "shared" / "provider-specs")
FILES = {"github": "github.json", "gitlab": "gitlab.json", "azure_devops": "azure-git.json",
         "bitbucket_cloud": "bitbucket.json"}


def available() -> bool:
    """Whether the official descriptions are on this machine."""
    return all((SPECS_DIR / name).is_file() for name in FILES.values())


def normalize(path: str) -> str:
    """A path template with every placeholder written {} (names and :path dropped)."""
    return re.sub(r"\{[^}]*\}", "{}", path)


@dataclass
class OfficialOperation:
    """One operation of an official description, its schemas ready for jsonschema."""

    method: str
    path: str
    document: dict          # the (converted) document the schemas' $refs point into
    parameters: dict[tuple[str, str], dict]  # (in, name) -> parameter
    request: dict | None    # request body schema (JSON), if any
    responses: dict[int, dict | None]  # status -> response schema (None: no JSON body)
    success_schema: dict | None = None
    example_statuses: set[int] = field(default_factory=set)
    wire_envelope: bool = False  # Azure: a list answered as {count, value}

    def query_names(self) -> set[str]:
        return {name for (where, name) in self.parameters if where == "query"}

    def form_names(self) -> set[str]:
        """Bitbucket declares its multipart form fields as query parameters (a spec artifact)."""
        return {name for (where, name) in self.parameters if where in ("query", "formData")}

    def required_query(self) -> set[str]:
        return {name for (where, name), p in self.parameters.items()
                if where == "query" and p.get("required")}

    def statuses(self) -> set[int]:
        return set(self.responses) | self.example_statuses

    def request_errors(self, body: Any) -> list[str]:
        if self.request is None or body is None:
            return []
        return _errors(self.document, self.request, body)

    def response_errors(self, status: int, body: Any) -> list[str]:
        schema = self.responses.get(status)
        if schema is None and status in self.example_statuses:
            schema = self.success_schema
        if schema is None or body is None or isinstance(body, bytes | str):
            return []
        if self.wire_envelope and isinstance(body, dict) and "value" in body:
            body = body["value"]
        return _errors(self.document, schema, body, relaxed=True)


class OfficialSpec:
    """One provider's official operations, found by method and path template."""

    def __init__(self, provider: str) -> None:
        raw = json.loads((SPECS_DIR / FILES[provider]).read_text())
        self.provider = provider
        self.operations: dict[tuple[str, str], OfficialOperation] = {}
        if provider == "azure_devops":
            examples = _example_statuses(raw.get("httpExamples", {}))
            for part in ("git", "core", "profile"):
                self._load_swagger(raw[part], examples)
        elif "swagger" in raw:
            self._load_swagger(raw, {})
        else:
            correct = WIRE_CORRECTIONS.get(provider)
            self._load_openapi(correct(copy.deepcopy(raw)) if correct else raw)

    def find(self, operation: Operation) -> OfficialOperation | None:
        """The official operation our description is of."""
        path = normalize(operation.path)
        if operation.id in AZURE_SINGLE_ITEM:
            path += "?path={}"
        return self.operations.get((operation.method, path))

    # --- loading ---------------------------------------------------------------------

    def _load_openapi(self, raw: dict) -> None:
        document = _converted(raw)
        components = document.get("components", {})
        for path, item in document["paths"].items():
            shared = item.get("parameters", [])
            for method, op in item.items():
                if method == "parameters":
                    continue
                parameters = _parameters(document, [*shared, *op.get("parameters", [])])
                request = None
                content = (op.get("requestBody") or {}).get("content", {})
                if "application/json" in content:
                    request = content["application/json"].get("schema")
                responses = {}
                for status, response in op.get("responses", {}).items():
                    if "$ref" in response:
                        response = _resolve(document, response["$ref"])
                    schema = (response.get("content", {}).get("application/json") or {})
                    responses[int(status)] = schema.get("schema")
                self.operations[(method.upper(), normalize(path))] = OfficialOperation(
                    method.upper(), path, {"components": components}, parameters, request,
                    responses)

    def _load_swagger(self, raw: dict, examples: dict[str, set[int]]) -> None:
        document = _converted(raw)
        definitions = {"definitions": document.get("definitions", {})}
        base = (document.get("basePath") or "/").rstrip("/")
        all_paths = {**document.get("paths", {}), **document.get("x-ms-paths", {})}
        for path, item in all_paths.items():
            for method, op in item.items():
                if method == "parameters":
                    continue
                parameters = _parameters(document, op.get("parameters", []))
                body = next((p for p in op.get("parameters", []) if p.get("in") == "body"), None)
                request = body.get("schema") if body else None
                responses = {int(status): response.get("schema")
                             for status, response in op.get("responses", {}).items()}
                success = next((responses[s] for s in sorted(responses) if s < 300), None)
                statuses = set()
                for example in (op.get("x-ms-examples") or {}).values():
                    name = example.get("$ref", "").rsplit("/", 1)[-1].lower()
                    statuses |= examples.get(name, set())
                # Only Azure DevOps wraps lists (§3h); GitLab's (also Swagger 2.0) are bare.
                envelope = bool(success and success.get("type") == "array"
                                and self.provider == "azure_devops")
                relative = path[len(base):] if base and path.startswith(base) else path
                self.operations[(method.upper(), normalize(relative))] = OfficialOperation(
                    method.upper(), relative, definitions, parameters, request, responses,
                    success, statuses, envelope)


def _bitbucket_as_sent(raw: dict) -> dict:
    """Bitbucket's description, corrected where the wire is known to differ.

    PROVIDER-APIS.md §4c [O]: a taken slug answers error.fields ({"name": [...]}) although
    the schema forbids extra members of `error`; §4g [O]: a missing scope answers an
    object `error.detail` ({"required": [...], "granted": [...]}) where the schema says
    string; §4c [U]: a new repository's mainbranch is null until its first commit; §4j
    [P]: creating a pull request takes `description` ("Other fields: description - a
    string", the operation's own description), which the pullrequest schema omits.
    """
    schemas = raw["components"]["schemas"]
    schemas["pullrequest"]["allOf"][1]["properties"]["description"] = {"type": "string"}
    inner = schemas["error"]["properties"]["error"]
    inner["additionalProperties"] = True
    inner["properties"]["detail"] = {}
    inner["properties"]["fields"] = {"type": "object"}
    repository = schemas["repository"]["allOf"][1]["properties"]
    repository["mainbranch"] = {"allOf": [repository["mainbranch"]], "nullable": True}
    return raw


# Where an official description and the recorded wire disagree, the wire wins; each
# correction cites its fact.
WIRE_CORRECTIONS = {"bitbucket_cloud": _bitbucket_as_sent}

# Our Azure "read one file" is the x-ms-paths variant of items with ?path=.
AZURE_SINGLE_ITEM = {"get_item"}


def _example_statuses(examples: dict) -> dict[str, set[int]]:
    return {key.rsplit("/", 1)[-1].lower(): {int(status) for status in value.get("responses", {})}
            for key, value in examples.items()}


def _parameters(document: dict, parameters: list[dict]) -> dict[tuple[str, str], dict]:
    result = {}
    for parameter in parameters:
        if "$ref" in parameter:
            parameter = _resolve(document, parameter["$ref"])
        result[(parameter.get("in", ""), parameter.get("name", ""))] = parameter
    return result


def _resolve(document: dict, reference: str) -> dict:
    node: Any = document
    for part in reference.lstrip("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@cache
def _load(provider: str) -> OfficialSpec:
    return OfficialSpec(provider)


def spec_for(provider: str) -> OfficialSpec | None:
    """The provider's official spec, loaded once, or None where the folder is missing."""
    return _load(provider) if available() else None


def check_exchange(contract: Contract, operation: Operation, query: dict, body: Any,
                   status: int, response_body: Any) -> list[str]:
    """What an exchange does that the official description does not allow."""
    spec = spec_for(contract.provider)
    if spec is None or operation.documented_elsewhere:
        return []  # no official file here, or one that leaves the operation out (a subset)
    official = spec.find(operation)
    if official is None:
        return [f"official: no {operation.method} {operation.path} in the official description"]
    problems = []
    declared = official.form_names() if operation.media.startswith("multipart") else set()
    for name in query:
        if name not in official.query_names() and name not in contract.generic_query:
            problems.append(f"official: query parameter {name!r} is not declared")
    if not operation.media.startswith("multipart"):
        problems += [f"official request: {p}" for p in official.request_errors(body)]
    elif isinstance(body, dict):
        for name in body.get("form", {}):
            if name not in declared:
                problems.append(f"official: form field {name!r} is not declared")
    if status in official.statuses():
        # A raw answer (a file's bytes, which may well be JSON) is not the operation's
        # JSON metadata (Bitbucket's /src without ?format=meta).
        if operation.responses.get(status) != RAW:
            problems += [f"official response {status}: {p}"
                         for p in official.response_errors(status, response_body)]
    elif status not in contract.generic_statuses and status not in operation.quirks:
        problems.append(f"official: status {status} is not declared for {operation.id}")
    return problems


# --- schema conversion ----------------------------------------------------------------

def _converted(document: dict) -> dict:
    """A copy whose schemas are plain JSON Schema (nullable becomes a null alternative)."""
    return _walk(copy.deepcopy(document))


def _walk(node: Any) -> Any:
    if isinstance(node, list):
        return [_walk(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _walk(value) for key, value in node.items()}
    if node.get("format") == "T":  # Azure's generic Change<T>.item: any type on the wire
        return {}
    if node.pop("nullable", False) is True or node.pop("x-nullable", False) is True:
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


_VALIDATORS: dict[tuple[int, int, bool], Draft4Validator] = {}
_STRIPPED_DOCUMENTS: dict[int, dict] = {}


def _errors(document: dict, schema: dict, instance: Any, relaxed: bool = False) -> list[str]:
    """Validation errors of instance against schema, whose $refs point into document.

    relaxed drops `required` lists and reads oneOf as anyOf (see the module docstring).
    Validators are cached by the ids of schemas that live as long as the spec does.
    """
    key = (id(document), id(schema), relaxed)
    validator = _VALIDATORS.get(key)
    if validator is None:
        body = schema
        if relaxed:
            if id(document) not in _STRIPPED_DOCUMENTS:
                _STRIPPED_DOCUMENTS[id(document)] = _strip_required(document)
            root = {**_STRIPPED_DOCUMENTS[id(document)], **_strip_required(body)}
        else:
            root = {**document, **body}
        validator = _VALIDATORS[key] = Draft4Validator(root)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}"
            for e in validator.iter_errors(instance)]


def _strip_required(node: Any) -> Any:
    """A copy of node without `required` lists (a property named required is kept)."""
    if isinstance(node, list):
        return [_strip_required(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {("anyOf" if key == "oneOf" else key): _strip_required(value)
            for key, value in node.items() if not (key == "required" and isinstance(value, list))}
