"""Checking deploy values before anything is sent: YAML syntax, then the chart's schema.

Every error carries the line (and column, for syntax) in the text the user typed, and for
schema errors the path of the offending key, so the page can say exactly what to fix.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import yaml
from jsonschema import Draft7Validator

MAX_VALUES_BYTES = 256 * 1024
# Helm values nest a handful of levels; aliases (*name) may repeat a subtree, but not into a
# "billion laughs" that every later step (merging, the schema check) would walk in full.
MAX_DEPTH = 64
MAX_NODES = 20_000


@dataclass(frozen=True)
class ValuesError:
    """One thing wrong with the values."""

    message: str
    line: int | None = None
    column: int | None = None
    path: str = ""

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}" + (f", column {self.column}" if self.column else ""))
        if self.path:
            where.append(self.path)
        return f"{' · '.join(where)}: {self.message}" if where else self.message


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one), and
    says where a value it cannot read is instead of raising a bare ValueError."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError) as error:  # 5000 digits, 2001-13-45
            kind = node.tag.rsplit(":", 1)[-1]
            reason = str(error).split(":", 1)[0]
            raise yaml.constructor.ConstructorError(
                None, None, f"{str(node.value)[:40]!r} cannot be read as {kind}: {reason}",
                node.start_mark) from None


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep=False):
    seen = set()
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a single value, not a list or a map",
                key_node.start_mark)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"the key {key!r} appears twice", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                              _mapping_without_duplicates)


class _FastStrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The same on libyaml's parser, several times faster where PyYAML has it."""


_FastStrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                  _mapping_without_duplicates)


_FAST_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(text: str):
    """The YAML document in text; on an error, PyYAML's own parser says what is wrong
    (its messages name the character at fault, libyaml's do not)."""
    try:
        return yaml.load(text, Loader=_FastStrictLoader)  # noqa: S506 (a SafeLoader)
    except (yaml.YAMLError, ValueError, OverflowError, TypeError):
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506


def merged(defaults: dict, values: dict) -> dict:
    """values over defaults, as Helm merges them: maps deeply, null deletes a default."""
    result = dict(defaults)
    for key, value in values.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def parse_values(text: str, schema: dict | None = None,
                 defaults: dict | None = None) -> tuple[dict, list[ValuesError]]:
    """The values as a dict, and what is wrong with them (empty when nothing is).

    With defaults (the chart's values.yaml), the schema checks what Helm will check: the
    defaults with these values merged over them.
    """
    if len(text.encode()) > MAX_VALUES_BYTES:
        return {}, [ValuesError("The values are larger than 256 KiB.")]
    try:
        too_big = _expansion_problem(text)
        if too_big is not None:
            return {}, [too_big]
        data = _load(text) if text.strip() else {}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        return {}, [ValuesError(f"YAML syntax: {problem}",
                                mark.line + 1 if mark else None,
                                mark.column + 1 if mark else None)]
    except yaml.reader.ReaderError as error:  # a character YAML does not allow anywhere
        line = text.count("\n", 0, error.position) + 1
        column = error.position - text.rfind("\n", 0, error.position)
        code = error.character if isinstance(error.character, int) else 0xFFFD
        return {}, [ValuesError(f"YAML syntax: the character U+{code:04X} is not allowed in "
                                "YAML (a control character): remove it", line, column)]
    except yaml.YAMLError as error:
        return {}, [ValuesError(f"YAML syntax: {error}")]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return {}, [ValuesError("The values must be a mapping of keys to values, such as "
                                "'replicaCount: 2'.", 1, 1)]
    if schema is None:
        return data, []
    errors = []
    checked = merged(defaults, data) if defaults is not None else data
    for error in sorted(_validator(schema).iter_errors(checked),
                        key=lambda e: list(map(str, e.absolute_path))):
        path = list(error.absolute_path)
        errors.append(ValuesError(_schema_message(error), _line_of(text, path),
                                  path=".".join(map(str, path)) or "(top level)"))
    return data, errors


_VALIDATORS: dict[int, tuple[dict, Draft7Validator]] = {}


def _validator(schema: dict) -> Draft7Validator:
    """The schema's validator, built once per schema (the chart's is read at start-up)."""
    kept = _VALIDATORS.get(id(schema))
    if kept is None or kept[0] is not schema:
        kept = _VALIDATORS[id(schema)] = (schema, Draft7Validator(schema))
    return kept[1]


def _expansion_problem(text: str) -> ValuesError | None:
    """Too deep, or too many nodes once aliases are expanded; from the parser's events,
    which need neither recursion nor the expanded data."""
    try:
        return _count(text, _FAST_PARSER)
    except yaml.YAMLError:  # libyaml stops at its own depth limit, or at a syntax error:
        return _count(text, yaml.SafeLoader)  # PyYAML's parser says which, and where


def _count(text: str, loader) -> ValuesError | None:
    depth, sizes, anchors, open_anchors = 0, [0], {}, []
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return ValuesError(f"The values nest deeper than {MAX_DEPTH} levels.",
                                   event.start_mark.line + 1, event.start_mark.column + 1)
            sizes.append(1)
            open_anchors.append(event.anchor)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            size, anchor = sizes.pop(), open_anchors.pop()
            if anchor:
                anchors[anchor] = size
            sizes[-1] += size
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                anchors[event.anchor] = 1
            sizes[-1] += 1
        elif isinstance(event, yaml.AliasEvent):
            sizes[-1] += anchors.get(event.anchor, 1)
        if sum(sizes) > MAX_NODES:
            return ValuesError(f"The values hold more than {MAX_NODES} entries, counting what "
                               "each alias (*name) repeats: far more than a chart needs.",
                               event.start_mark.line + 1)
    return None


def _schema_message(error) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed",
                                     "unknown key (not in the chart's schema)")
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    return error.message


def _line_of(text: str, path: list[Any]) -> int | None:
    """The line where the key at path is written (its parent's, if it is missing)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            found = next(((key, value) for key, value in node.value if key.value == str(part)),
                         None)
            if found is None:
                return line
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line
