"""Forms of the Deployment Template and Charts pages."""

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from webapp.fields import check_host_url, check_url_shape, strip

# Kubernetes names: a DNS-1123 label.
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_LABEL_HINT = ("Use lowercase letters, digits and '-', starting and ending with a letter or "
                  "digit (a DNS label, at most 63 characters).")
CHART_NAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
# Semantic Versioning 2.0.0, as Helm requires of chart versions.
SEMVER = (r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
          r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-]"
          r"[0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$")
ENVIRONMENT_LIST = re.compile(r"[\s,]+")
# The lengths of the columns these fields are stored in (PostgreSQL enforces them).
URL_LENGTH = Length(max=500, message="Use at most 500 characters.")


def _preview_hash() -> HiddenField:
    """The hash of the preview a deploy must match (set under a preview, else blank)."""
    return HiddenField(filters=[strip], validators=[
        Optional(), Regexp(r"^[0-9a-f]{64}$", message="Preview again: this preview's hash is "
                                                       "not one GitOps Console made.")])


def _name_field(label: str) -> StringField:
    return StringField(label, filters=[strip], validators=[
        InputRequired(f"Enter the {label.lower()}."),
        Length(max=63, message="Use at most 63 characters."),
        Regexp(DNS_LABEL, message=DNS_LABEL_HINT)])


class ApplicationForm(FlaskForm):
    """A new application and its first environments."""

    name = _name_field("Application name")
    environments = StringField(
        "Environments", default="dev, staging, prod", filters=[strip],
        description="Names separated by commas; more can be added later.")
    repository_url = URLField(
        "Repository URL", filters=[strip], validators=[Optional(), URL_LENGTH, check_host_url],
        description="Only when repositories are created by an administrator: the URL of "
                    "the repository made for this application.")

    def environment_names(self) -> list[str]:
        """The environment names entered, in order, without repeats."""
        names = [name for name in ENVIRONMENT_LIST.split(self.environments.data or "") if name]
        return list(dict.fromkeys(names))

    def validate_environments(self, field) -> None:
        """Every name a DNS label."""
        for name in self.environment_names():
            if not re.fullmatch(DNS_LABEL, name) or len(name) > 63:
                raise ValidationError(f"'{name}' is not a valid environment name. "
                                      f"{DNS_LABEL_HINT}")


class RollbackForm(FlaskForm):
    """Roll an application's environment back to an earlier revision's files."""

    target = SelectField("Application and environment", validate_choice=True,
                         validators=[InputRequired("Choose an application and environment.")])
    revision = IntegerField("Revision", validators=[
        InputRequired("Name the revision to roll back to."),
        NumberRange(min=1, max=2**31 - 1, message="Use a revision number from the history.")])
    preview_hash = _preview_hash()


class DeleteApplicationForm(FlaskForm):
    """Delete an application; its repository too only when ticked."""

    delete_repository = BooleanField(
        "Also delete the repository",
        description="Deletes it on the provider for good (the token must be allowed to). "
                    "Unticked, the repository stays, only the application goes.")


class RepositoryUrlForm(FlaskForm):
    """The repository an administrator made for an application."""

    repository_url = URLField("Repository URL", filters=[strip], validators=[
        InputRequired("Enter the repository's URL."), URL_LENGTH, check_host_url])


class EnvironmentForm(FlaskForm):
    """One more environment of an application."""

    name = _name_field("Environment name")


class DeployForm(FlaskForm):
    """A deploy: which application and environment, and with which values."""

    # Set by "Deploy this change" under a preview: the deploy must make exactly that change.
    preview_hash = _preview_hash()
    target = SelectField("Application and environment", validate_choice=True,
                         validators=[InputRequired("Choose an application and environment.")])
    values = TextAreaField("Values (YAML)", render_kw={"rows": 24, "spellcheck": "false"})

    def target_names(self) -> tuple[str, str]:
        """(application, environment) of the chosen target."""
        application, _, environment = (self.target.data or "").partition("/")
        return application, environment


class TemplateDeployForm(DeployForm):
    """Deploy the reference chart with these values."""


class ChartDeployForm(DeployForm):
    """Deploy a chart from a Helm repository with these values."""

    repository = StringField(
        "Chart repository URL", filters=[strip],
        validators=[InputRequired("Enter the chart repository URL."),
                    Length(max=500, message="Use at most 500 characters.")],
        description="A Helm repository (https://charts.example.com) or an OCI registry "
                    "(oci://registry.example.com/charts).")
    chart = StringField("Chart name", filters=[strip], validators=[
        InputRequired("Enter the chart name."),
        Length(max=100, message="Use at most 100 characters."),
        Regexp(CHART_NAME, message="Use the chart's name: lowercase letters, digits and '-'.")])
    version = StringField("Version", filters=[strip], validators=[
        InputRequired("Enter the chart version."),
        Length(max=100, message="Use at most 100 characters."),
        Regexp(SEMVER, message="Use a semantic version such as 1.2.3 or 2.0.0-rc.1.")])

    def validate_repository(self, field) -> None:
        """An https:// or http:// Helm repository, or an oci:// registry.

        Argo CD fetches it, never this app: a chart repository on a private network is
        fine, unlike a provider host (the app sends its token there)."""
        value = field.data or ""
        if value.startswith("oci://"):
            if not re.fullmatch(r"oci://[^\s\x00-\x1f\x7f/@?#]+(/[^\s\x00-\x1f\x7f?#@]+)*",
                                value):
                raise ValidationError("Enter an OCI reference such as "
                                      "oci://registry.example.com/charts.")
            return
        check_url_shape(field, ("https", "http"))
