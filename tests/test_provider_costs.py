"""The HTTP requests each provider operation costs, as docs/providers.md states them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes.registry import HARNESSES
from tests.provider_costs import ROWS, measure
from webapp.providers import KINDS, REGISTRY

DOC = Path(__file__).resolve().parents[1] / "docs" / "providers.md"
REPORT = Path(__file__).resolve().parents[1] / "artifacts" / "request-counts.json"
COLUMNS = {"GitHub": "github", "GitLab": "gitlab", "Azure DevOps": "azure_devops",
           "Bitbucket Cloud": "bitbucket_cloud"}


def documented() -> dict[str, dict[str, int]]:
    """The 'HTTP requests per operation' table of docs/providers.md, by kind then row."""
    text = DOC.read_text()
    section = text.split("## HTTP requests per operation", 1)[1].split("\n## ")[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    table: dict[str, dict[str, int]] = {COLUMNS[name]: {} for name in header[1:]}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        for name, cell in zip(header[1:], cells[1:], strict=True):
            table[COLUMNS[name]][cells[0]] = int(cell)
    return table


def test_every_provider_kind_has_a_client_and_a_simulator():
    assert set(REGISTRY) == set(KINDS) == set(HARNESSES)


@pytest.mark.parametrize("kind", sorted(HARNESSES))
def test_the_documented_request_counts_are_the_measured_ones(kind):
    measured = measure(HARNESSES[kind])

    REPORT.parent.mkdir(exist_ok=True)
    previous = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    REPORT.write_text(json.dumps({**previous, kind: measured}, indent=2))
    assert list(measured) == ROWS
    assert documented()[kind] == measured
