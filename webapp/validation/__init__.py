"""Validating a provider configuration stage by stage, before it is saved."""

from webapp.validation.report import Report, StageResult
from webapp.validation.runner import ValidationPlan, run_validation

__all__ = ["Report", "StageResult", "ValidationPlan", "run_validation"]
