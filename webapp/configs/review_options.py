"""The settings of reviewable deploys, per configuration: pull-request mode, a required
preview, and the token's expiry where the provider does not tell it."""

from __future__ import annotations

from datetime import UTC, datetime, time

from wtforms import BooleanField, DateField
from wtforms.validators import Optional

from webapp.providers import ProviderKind


def review_fields(kind: ProviderKind) -> dict[str, object]:
    """The fields of kind's form for reviewable deploys (labels in the provider's words)."""
    fields: dict[str, object] = {
        "pull_requests": BooleanField(
            f"Deploy through {kind.request_name}s",
            description=f"Each deploy commits to a new branch gitops/<application>/"
                        f"<environment>/<revision> and opens a {kind.request_name} into "
                        "the branch above, with the diff in its description; it lands when "
                        "someone merges it. Off: deploys commit to the branch directly."),
        "require_preview": BooleanField(
            "Require a preview before each deploy",
            description="A deploy is refused unless it carries the preview of exactly the "
                        "change it makes (the Preview button, or preview_hash in the API)."),
    }
    if not kind.reports_token_expiry:
        fields["token_expires_on"] = DateField(
            "Token expires on", validators=[Optional()],
            description=f"{kind.label} does not say when a token expires: enter its expiry "
                        "date to be warned 14 days before.")
    return fields


def review_values(form) -> dict[str, object]:
    """The stored form of the review settings (the entered expiry at midnight UTC)."""
    values: dict[str, object] = {"pull_requests": bool(form.pull_requests.data),
                                 "require_preview": bool(form.require_preview.data)}
    if "token_expires_on" in form:
        day = form.token_expires_on.data
        values["token_expires_at"] = datetime.combine(day, time(), UTC) if day else None
    return values
