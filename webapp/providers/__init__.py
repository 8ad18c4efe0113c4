"""Git providers: what kinds exist (kinds.py) and, later, how to talk to each one."""

from webapp.providers.kinds import KINDS, FieldSpec, ProviderKind

__all__ = ["KINDS", "FieldSpec", "ProviderKind"]
