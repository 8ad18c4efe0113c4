"""Fixtures that serve provider simulators; a test that leaves a contract violation fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.fakes.harness import Harness
from tests.fakes.registry import HARNESSES
from tests.fakes.server import Served
from tests.fakes.simulator import Simulator


@contextmanager
def serve(simulator: Simulator, ssl_context=None, port: int = 0) -> Iterator[Simulator]:
    """Run simulator on a loopback port (a free one by default); fail if any exchange broke
    the contract."""
    with Served(simulator, ssl_context=ssl_context, port=port) as server:
        simulator.url = server.url
        yield simulator
    assert simulator.violations == [], "contract violations:\n" + "\n".join(simulator.violations)


@pytest.fixture(params=sorted(HARNESSES))
def harness(request) -> Harness:
    """Each provider in turn."""
    return HARNESSES[request.param]


@pytest.fixture
def simulator(harness: Harness) -> Iterator[Simulator]:
    """harness's simulator, served and checked."""
    with serve(harness.simulator()) as running:
        yield running


@pytest.fixture
def make_provider(harness: Harness, simulator: Simulator):
    """Build harness's client against the simulator, with settings overridden."""
    def build(**overrides):
        options = {"backoff": overrides.pop("backoff", 0.01)}
        return harness.provider(harness.settings(simulator, **overrides), **options)
    return build
