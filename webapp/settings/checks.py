"""Running a validation for the settings page: from the form's values, never in a transaction."""

from __future__ import annotations

from flask import current_app

from webapp.crypto import secret_box
from webapp.extensions import db
from webapp.models import GitOpsConfig
from webapp.settings.connection import build_provider, provider_settings, saved_settings
from webapp.settings.forms import ProviderForm
from webapp.validation import Report, ValidationPlan, run_validation


def _plan(values: dict, by: str | None) -> ValidationPlan:
    return ValidationPlan(
        branch=str(values.get("branch") or "main"),
        deadline_seconds=current_app.config["VALIDATION_DEADLINE"],
        precreated_repository=(values.get("validation_repository")
                               if values.get("repositories_precreated") else None),
        by=by)


def validate_form(form: ProviderForm, by: str | None = None) -> Report:
    """Validate what the form holds: its token, or the saved one it may keep."""
    saved: GitOpsConfig | None = form.saved
    box = secret_box()
    token = form.token.data or box.decrypt(saved.token_ciphertext)
    bundle = form.ca_bundle_change()
    if bundle is None and saved is not None and saved.ca_bundle_ciphertext:
        bundle = box.decrypt(saved.ca_bundle_ciphertext)
    values = form.values()
    settings = provider_settings(form.kind.id, values, token, bundle or None)
    return _run(settings, values, by)


def validate_saved(config: GitOpsConfig, by: str | None = None) -> Report:
    """Validate a saved configuration as it is stored."""
    values = {"branch": config.branch, "repositories_precreated": config.repositories_precreated,
              "validation_repository": config.validation_repository}
    return _run(saved_settings(config), values, by)


def _run(settings, values: dict, by: str | None) -> Report:
    # A validation takes seconds of network calls: hold no database transaction meanwhile.
    db.session.close()
    return run_validation(build_provider(settings), _plan(values, by))
