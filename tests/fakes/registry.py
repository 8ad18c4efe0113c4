"""Every provider's harness, for tests that run the same checks against each simulator.

Each provider kind has a module tests/fakes/<kind>.py defining HARNESS; a kind without
one fails test_every_provider_kind_has_a_simulator.
"""

import importlib
import importlib.util

from webapp.providers import KINDS


def _harnesses() -> dict:
    found = {}
    for kind in KINDS:
        if importlib.util.find_spec(f"tests.fakes.{kind}") is not None:
            found[kind] = importlib.import_module(f"tests.fakes.{kind}").HARNESS
    return found


HARNESSES = _harnesses()
