"""Running a validation: from submitted or saved values, never inside a transaction."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app

from webapp.configs.connection import build_provider, provider_settings, saved_settings
from webapp.configs.forms import ConfigInput
from webapp.extensions import db
from webapp.models import GitOpsConfig
from webapp.providers import ProviderSettings
from webapp.validation import Report, ValidationPlan, run_validation


def _plan(values: Mapping[str, object], by: str | None) -> ValidationPlan:
    return ValidationPlan(
        branch=str(values.get("branch") or "main"),
        deadline_seconds=current_app.config["VALIDATION_DEADLINE"],
        precreated_repository=(values.get("validation_repository")
                               if values.get("repositories_precreated") else None),
        by=by)


def validate_input(data: ConfigInput, saved: GitOpsConfig | None, by: str | None) -> Report:
    """Validate a submission: its secrets, or the saved ones it may keep."""
    if saved is None:
        settings = provider_settings(data.kind, data.values, data.token or "",
                                     data.ca_bundle or None)
    else:
        settings = saved_settings(saved, data.token, data.ca_bundle, data.values)
    return _run(settings, data.values, by)


def validate_saved(config: GitOpsConfig, by: str | None) -> Report:
    """Validate a saved configuration as it is stored."""
    values = {"branch": config.branch, "repositories_precreated": config.repositories_precreated,
              "validation_repository": config.validation_repository}
    return _run(saved_settings(config), values, by)


def _run(settings: ProviderSettings, values: Mapping[str, object], by: str | None) -> Report:
    # A validation takes seconds of network calls: hold no database transaction meanwhile.
    db.session.close()
    return run_validation(build_provider(settings), _plan(values, by))
