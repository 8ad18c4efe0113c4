"""The outcome of a validation: one result per stage, and how it is stored and shown."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

PASSED, FAILED, SKIPPED, WARNING = "passed", "failed", "skipped", "warning"
SYMBOLS = {PASSED: "✓", FAILED: "✗", WARNING: "⚠", SKIPPED: "–"}


@dataclass
class StageResult:
    """What one stage found."""

    id: str
    label: str
    status: str
    message: str = ""
    hint: str = ""
    duration_ms: int = 0

    @property
    def symbol(self) -> str:
        """✓, ✗, ⚠ or – for the stage list."""
        return SYMBOLS[self.status]


@dataclass
class Report:
    """Every stage's result, in order, and what the validation left behind."""

    stages: list[StageResult] = field(default_factory=list)
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    finished_at: str | None = None
    by: str | None = None
    requests: int = 0  # HTTP requests the validation sent
    leftover: str | None = None  # what to delete by hand, when clean-up failed
    # When the provider said the token expires (ISO 8601, UTC); None: no expiry, or the
    # provider does not say (token_expiry_known tells which).
    token_expires_at: str | None = None
    token_expiry_known: bool = False

    @property
    def outcome(self) -> str:
        """failed if any stage failed, warning if any warned, else passed."""
        statuses = {stage.status for stage in self.stages}
        if FAILED in statuses:
            return FAILED
        return WARNING if WARNING in statuses else PASSED

    @property
    def failed_stage(self) -> StageResult | None:
        """The first stage that failed, if any."""
        return next((stage for stage in self.stages if stage.status == FAILED), None)

    def to_json(self) -> dict:
        """A JSON-ready dict for the database."""
        data = asdict(self)
        data["outcome"] = self.outcome
        return data

    @classmethod
    def from_json(cls, data: dict) -> Report:
        """The report a to_json() dict describes."""
        stages = [StageResult(**stage) for stage in data.get("stages", [])]
        return cls(stages=stages, started_at=data.get("started_at", ""),
                   finished_at=data.get("finished_at"), by=data.get("by"),
                   requests=data.get("requests", 0), leftover=data.get("leftover"),
                   token_expires_at=data.get("token_expires_at"),
                   token_expiry_known=data.get("token_expiry_known", False))
