"""What every door (page, JSON API, command line) does with configurations, audited alike.

Each use case takes plain, already-checked input (a ConfigInput, a kind) and the acting
user's name, and answers with a result or one of the typed errors below; the doors only
translate those into HTML, JSON or an exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from webapp.audit import record
from webapp.configs import store
from webapp.configs.forms import ConfigInput
from webapp.configs.store import (
    ConfigConflict,
    ConfigMissing,
    DeleteRefused,
    StorageBusy,
    configs_by_kind,
    secret_problems,
)
from webapp.configs.validate import validate_input, validate_saved
from webapp.models import GitOpsConfig
from webapp.validation import Report
from webapp.validation.report import FAILED

__all__ = ["ConfigConflict", "ConfigMissing", "DeleteRefused", "SecretsUnreadable",
           "StorageBusy", "ValidationFailed"]


class ValidationFailed(Exception):
    """A validation stage failed: nothing was saved."""

    def __init__(self, report: Report) -> None:
        stage = report.failed_stage
        super().__init__(f"Nothing was saved: the stage '{stage.label}' failed. {stage.message}"
                         if stage else "Nothing was saved: the validation failed.")
        self.report = report


class SecretsUnreadable(Exception):
    """A saved secret no configured key opens: it must be entered again first."""


@dataclass(frozen=True)
class SaveResult:
    """What a save did."""

    config: GitOpsConfig
    report: Report | None  # None: saved without validating
    changed: list[str]
    activated: bool


@dataclass(frozen=True)
class Revalidation:
    """A saved configuration validated again; recorded unless it changed meanwhile."""

    report: Report
    recorded: bool
    note: str | None


@dataclass(frozen=True)
class Status:
    """Is GitOps configured? The question a pipeline asks before it deploys."""

    configured: bool
    active_kind: str | None
    validated: bool
    validated_at: datetime | None


def check(data: ConfigInput, actor: str | None) -> Report:
    """Validate a submission against the provider without saving it."""
    report = validate_input(data, configs_by_kind().get(data.kind), actor)
    record("config_validated", data.kind, {"outcome": report.outcome, "saved": False},
           actor=actor)
    return report


def save(data: ConfigInput, actor: str | None, *, validate: bool = True) -> SaveResult:
    """Validate (unless told not to), then store and activate; nothing is stored on failure."""
    report = None
    if validate:
        report = validate_input(data, configs_by_kind().get(data.kind), actor)
        record("config_validated", data.kind, {"outcome": report.outcome}, actor=actor)
        if report.outcome == FAILED:
            raise ValidationFailed(report)
    try:
        saved = store.save_and_activate(data.kind, data.values, data.token, data.version,
                                        data.ca_bundle, report)
    except (ConfigConflict, StorageBusy) as refused:
        refused.report = report  # the door may still show what the validation found
        raise
    record("config_saved", data.kind, {"changed": saved.changed, "validated": validate},
           actor=actor)
    if saved.activated:
        record("config_activated", data.kind, actor=actor)
    return SaveResult(saved.config, report, saved.changed, saved.activated)


def revalidate(kind: str, actor: str | None) -> Revalidation:
    """Validate the saved configuration again and record the outcome."""
    saved = configs_by_kind().get(kind)
    if saved is None:
        raise ConfigMissing(kind)
    problems = secret_problems(saved)
    if problems:
        raise SecretsUnreadable("Cannot re-validate: " + "; ".join(problems.values()) + ".")
    version = saved.version
    report = validate_saved(saved, actor)
    record("config_validated", kind, {"outcome": report.outcome, "revalidation": True},
           actor=actor)
    try:
        recorded = store.record_validation(kind, version, report)
    except StorageBusy as busy:
        return Revalidation(report, False, str(busy))
    note = None if recorded else ("The configuration was changed while it was being "
                                  "validated: this result was not recorded.")
    return Revalidation(report, recorded, note)


def activate(kind: str, actor: str | None, expected_version: int | None = None) -> bool:
    """Make a saved configuration the active one; whether anything changed."""
    changed = store.activate(kind, expected_version)
    if changed:
        record("config_activated", kind, actor=actor)
    return changed


def delete(kind: str, actor: str | None, *, leave_unconfigured: bool) -> GitOpsConfig:
    """Delete a saved configuration (the active one only when told to leave GitOps off)."""
    deleted = store.delete_config(kind, leave_unconfigured)
    if deleted is None:
        raise ConfigMissing(kind)
    record("config_deleted", kind, {"was_active": deleted.active,
                                    "gitops_unconfigured": deleted.active}, actor=actor)
    return deleted


def status() -> Status:
    """Whether a provider is saved and active, and whether its last validation passed."""
    active = store.active_config()
    if active is None:
        return Status(False, None, False, None)
    return Status(True, active.kind, active.validated, active.validated_at)
