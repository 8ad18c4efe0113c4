"""Our descriptions of the provider operations, cross-checked against the official ones.

Runs wherever ../shared/provider-specs/ exists (CI always); elsewhere it is skipped with
a message saying so. The simulators' own checks (tests/fakes/simulator.py) run everywhere.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contracts import official
from tests.contracts.model import NO_BODY, RAW, Operation
from tests.fakes.registry import HARNESSES

pytestmark = pytest.mark.skipif(
    not official.available(),
    reason=f"the official provider API descriptions are not at {official.SPECS_DIR}: "
           "the cross-check of tests/contracts/ against them is SKIPPED on this machine "
           "(CI has them; set GITOPS_PROVIDER_SPECS to point elsewhere)")

CASES = [(kind, operation) for kind, harness in sorted(HARNESSES.items())
         for operation in harness.simulator.contract.operations
         if not operation.documented_elsewhere]
# Operations the official files leave out (they are subsets), e.g. closing a pull request.
ELSEWHERE = [(kind, operation) for kind, harness in sorted(HARNESSES.items())
             for operation in harness.simulator.contract.operations
             if operation.documented_elsewhere]


def case_id(case) -> str:
    return f"{case[0]}.{case[1].id}" if isinstance(case, tuple) else str(case)


@pytest.fixture(params=CASES, ids=[case_id(case) for case in CASES])
def described(request) -> tuple[str, Operation, official.OfficialOperation]:
    kind, operation = request.param
    found = official.spec_for(kind).find(operation)
    assert found is not None, f"{operation.method} {operation.path} is not in the official spec"
    return kind, operation, found


@pytest.mark.parametrize("case", ELSEWHERE, ids=[case_id(case) for case in ELSEWHERE])
def test_an_operation_left_out_of_the_official_file_is_really_absent_and_names_its_source(
        case):
    kind, operation = case

    assert official.spec_for(kind).find(operation) is None, \
        f"{operation.method} {operation.path} is in the official file: check it there"
    assert "http" in operation.documented_elsewhere  # a link to where it is documented
    assert "[" in operation.documented_elsewhere     # and its tag: [P], [O] or [U]


def test_every_query_parameter_we_send_is_declared(described):
    kind, operation, found = described
    contract = HARNESSES[kind].simulator.contract

    undeclared = [name for name in operation.query
                  if name not in found.query_names() and name not in contract.generic_query]
    assert undeclared == []
    missing = found.required_query() - set(operation.query) - set(contract.generic_query)
    assert missing == set()


def test_our_request_body_uses_only_official_fields_and_all_required_ones(described):
    _kind, operation, found = described
    if operation.request is None:
        assert found.request is None or not found.parameters.get(("body", "body"), {}).get(
            "required"), "the official operation requires a body we do not send"
        return
    ours = set(operation.request.get("properties", {}))
    if operation.media.startswith("multipart") or operation.media.endswith("urlencoded"):
        fields = set(operation.request["properties"]["form"].get("properties", {}))
        assert fields <= found.form_names()
        return
    theirs = properties_of(found.document, found.request)
    assert ours <= set(theirs), f"not in the official request body: {ours - set(theirs)}"
    required = set(_resolve(found.document, found.request).get("required", []))
    assert required <= set(operation.request.get("required", [])), \
        f"officially required but not required by us: {required}"
    for name in ours:
        assert types_agree(operation.request["properties"][name],
                           _resolve(found.document, theirs[name])), name


def test_every_status_we_expect_is_declared_or_a_documented_quirk(described):
    kind, operation, found = described
    contract = HARNESSES[kind].simulator.contract
    for status in operation.responses:
        if status < 300:
            assert status in found.statuses() or status in operation.quirks, \
                f"success status {status} is neither official nor a documented quirk"
        else:
            assert (status in found.statuses() or status in contract.generic_statuses
                    or status in operation.quirks), f"status {status} has no official source"


def test_every_response_field_we_read_is_declared_with_the_same_type(described):
    _kind, operation, found = described
    for status, schema in operation.responses.items():
        if schema in (NO_BODY, RAW) or not isinstance(schema, dict):
            continue
        theirs_schema = found.responses.get(status)
        if theirs_schema is None and status in found.example_statuses:
            theirs_schema = found.success_schema
        if theirs_schema is None:
            continue
        if found.wire_envelope:
            theirs_schema = {"type": "object", "properties": {
                "count": {"type": "integer"}, "value": theirs_schema}}
        compare_fields(found.document, schema, theirs_schema, f"{operation.id} {status}")


def compare_fields(document: dict, ours: dict, theirs: dict, where: str) -> None:
    """Every property of ours exists in theirs with an agreeing type, recursively."""
    theirs = _resolve(document, theirs)
    if ours.get("type") == "array" and "items" in ours:
        items = _resolve(document, theirs.get("items", {}))
        compare_fields(document, ours["items"], items, f"{where}[]")
        return
    official_properties = properties_of(document, theirs)
    for name, schema in ours.get("properties", {}).items():
        assert name in official_properties, f"{where}: field {name!r} is not official"
        their = _resolve(document, official_properties[name])
        assert types_agree(schema, their), f"{where}.{name}: {schema} vs {their}"
        inner = schema.get("anyOf", [schema])[0]
        if inner.get("type") in ("object", "array"):
            compare_fields(document, inner, their, f"{where}.{name}")


def properties_of(document: dict, schema: Any) -> dict[str, Any]:
    """The properties a schema allows, through $ref, allOf, anyOf and oneOf."""
    schema = _resolve(document, schema or {})
    found = dict(schema.get("properties", {}))
    for key in ("allOf", "anyOf", "oneOf"):
        for part in schema.get(key, []):
            found.update(properties_of(document, part))
    return found


def types_agree(ours: dict, theirs: dict) -> bool:
    """Whether two property schemas name compatible JSON types (unknown agrees)."""
    def types(schema: dict) -> set[str]:
        if "anyOf" in schema or "oneOf" in schema:
            return set().union(*(types(part) for part in schema.get("anyOf", schema.get("oneOf"))))
        if "enum" in schema and "type" not in schema:
            return {type(v).__name__.replace("str", "string") for v in schema["enum"]}
        kind = schema.get("type")
        if kind is None:
            return set()
        return {kind} if isinstance(kind, str) else set(kind)
    mine, official_types = types(ours) - {"null"}, types(theirs) - {"null"}
    if not mine or not official_types:
        return True
    if "integer" in official_types:
        official_types.add("number")
    if "number" in official_types:
        official_types.add("integer")
    return mine <= official_types


def _resolve(document: dict, schema: Any) -> dict:
    seen = 0
    while isinstance(schema, dict) and "$ref" in schema and seen < 20:
        node: Any = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema, seen = node, seen + 1
    return schema if isinstance(schema, dict) else {}
