"""Running a validation for the settings page: from the form's values, never in a transaction."""

from __future__ import annotations

from flask import current_app

from webapp.extensions import db
from webapp.models import GitOpsConfig
from webapp.providers.base import ProviderSettings
from webapp.settings.connection import build_provider, provider_settings, saved_settings
from webapp.settings.forms import ProviderForm
from webapp.validation import Report, ValidationPlan, run_validation


def _plan(values, by: str | None) -> ValidationPlan:
    return ValidationPlan(
        branch=str(values.get("branch") or "main"),
        deadline_seconds=current_app.config["VALIDATION_DEADLINE"],
        precreated_repository=(values.get("validation_repository")
                               if values.get("repositories_precreated") else None),
        by=by)


def validate_form(form: ProviderForm, by: str | None = None) -> Report:
    """Validate what the form holds: its secrets, or the saved ones it may keep."""
    values = form.values()
    bundle = form.ca_bundle_change()
    if form.saved is None:
        settings = provider_settings(form.kind.id, values, form.token.data, bundle or None)
    else:
        settings = saved_settings(form.saved, form.token.data or None, bundle, values)
    return _run(settings, values, by)


def validate_saved(config: GitOpsConfig, by: str | None = None) -> Report:
    """Validate a saved configuration as it is stored."""
    values = {"branch": config.branch, "repositories_precreated": config.repositories_precreated,
              "validation_repository": config.validation_repository}
    return _run(saved_settings(config), values, by)


def _run(settings: ProviderSettings, values, by: str | None) -> Report:
    # A validation takes seconds of network calls: hold no database transaction meanwhile.
    db.session.close()
    return run_validation(build_provider(settings), _plan(values, by))
