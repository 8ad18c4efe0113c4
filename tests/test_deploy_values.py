"""Deploy values that would crash or exhaust the server are refused with line and reason."""

from __future__ import annotations

import pytest

from webapp.deploy.chart import DEFAULT_DATA, VALUES_SCHEMA
from webapp.deploy.values import MAX_DEPTH, MAX_NODES, parse_values


def billion_laughs(levels: int = 9) -> str:
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels + 1):
        lines.append(f"lol{level}: &lol{level} [" + ", ".join([f"*lol{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("text", "expected"), [
    (billion_laughs(), f"line 5: The values hold more than {MAX_NODES} entries, counting what "
                       "each alias (*name) repeats"),
    ("[" * 100_000, f"line 1, column {MAX_DEPTH + 1}: The values nest deeper than {MAX_DEPTH} "
                    "levels."),
    ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 100)),
     f"line {MAX_DEPTH + 1}, column {2 * MAX_DEPTH + 1}: The values nest deeper"),
    ("replicaCount: " + "9" * 5000, "line 1, column 15: YAML syntax: '99999"),
    ("deployedAt: 2001-13-45\n", "'2001-13-45' cannot be read as timestamp: month must be in"),
    ("? [a, b]\n: c\n", "line 1, column 3: YAML syntax: a key must be a single value, not a "
                        "list or a map"),
])
@pytest.mark.parametrize("schema", [None, VALUES_SCHEMA], ids=["chart", "template"])
def test_hostile_values_are_refused_quickly_with_where_and_why(text, expected, schema):
    data, problems = parse_values(text, schema, DEFAULT_DATA if schema else None)

    assert data == {}
    assert len(problems) == 1
    assert expected in str(problems[0])


def test_aliases_within_reason_still_work():
    text = "resources:\n  limits: &sized {cpu: 500m, memory: 256Mi}\n  requests: *sized\n"

    data, problems = parse_values(text, VALUES_SCHEMA, DEFAULT_DATA)

    assert problems == []
    assert data["resources"]["requests"] == {"cpu": "500m", "memory": "256Mi"}
