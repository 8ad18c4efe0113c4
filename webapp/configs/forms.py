"""The provider configuration forms, one class per provider kind, built once from the kinds.

Every door parses a configuration with them: the settings page from its form post, the
JSON API and the command line from JSON (webapp.api.inputs).
"""

from dataclasses import dataclass

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from webapp.configs.review_options import review_fields, review_values
from webapp.configs.store import changed_binding_fields
from webapp.fields import (
    BRANCH,
    MAX_BRANCH,
    PREFIX,
    REPOSITORY_NAME,
    TOKEN,
    check_ca_bundle,
    check_host_url,
    normalize_url,
    strip,
)
from webapp.providers import KINDS, FieldSpec, ProviderKind


@dataclass(frozen=True)
class ConfigInput:
    """A provider configuration as submitted through any door, checked and ready to store.

    token None keeps the saved one; ca_bundle None keeps the saved bundle, False removes
    it; version is the one the submitter read (None for a new configuration).
    """

    kind: str
    values: dict[str, object]
    token: str | None
    ca_bundle: str | bool | None
    version: int | None


class SpecRules:
    """Requiredness, length and shape of a field, as its FieldSpec says.

    The spec is looked up at validation time, because a provider's credential type
    (Bitbucket: API token or app password) changes what its username field must hold.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, form: "ProviderForm", field: Field) -> None:
        spec = form.kind.spec(self.name, form.chosen_credential_type())
        value = field.data or ""
        if not value:
            if spec.required:
                raise StopValidation(f"Enter the {spec.label}.")
            field.errors[:] = []
            raise StopValidation()  # optional and blank: nothing more to check
        if len(value) > spec.max_length:
            raise StopValidation(f"Use at most {spec.max_length} characters.")
        if spec.pattern is not None and not spec.pattern.fullmatch(value):
            raise StopValidation(f"Use {spec.pattern_hint}.")


class ProviderForm(FlaskForm):
    """Fields every provider form shares; subclasses add the provider's own fields."""

    kind: ProviderKind
    version = HiddenField()
    ca_bundle = TextAreaField(
        "CA bundle (PEM)", filters=[strip], validators=[check_ca_bundle],
        description="Only for a provider whose certificate comes from a private certificate "
                    "authority: paste that authority's certificate(s). Stored encrypted.")
    remove_ca_bundle = BooleanField("Remove the saved CA bundle")
    branch = StringField(
        "Branch", default="main", filters=[strip],
        description="Deploys commit to this branch of each application's repository.")
    repository_prefix = StringField(
        "Repository name prefix", filters=[strip],
        description="Put before each application's name: with gitops- the application shop "
                    "deploys to the repository gitops-shop. Empty by default.")
    repositories_precreated = BooleanField(
        "Repositories are created by an administrator",
        description="For a token that may not create repositories: each application then "
                    "deploys to a repository you name, and validation writes and removes one "
                    "file in the repository below instead of creating a test repository.")
    validation_repository = StringField(
        "Existing repository for validation", filters=[strip],
        description="A repository the token may write to, in the namespace above.")
    save_without_validating = BooleanField(
        "Save without validating",
        description="Stores and activates the configuration even though it was not "
                    "checked against the provider; it is marked \"not validated\".")
    # Phrased as the exception, so that a form or client that leaves it out verifies.
    skip_tls_verify = BooleanField(
        "Skip TLS certificate verification (labs only)",
        description="Without verification anyone on the network path can read the token.")

    def __init__(self, *args, saved=None, problems: dict[str, str] | None = None, **kwargs):
        # saved: the stored configuration, if any; problems: which of its secrets no
        # configured key opens (service.secret_problems).
        self.saved = saved
        problems = problems or {}
        self.saved_token_problem = problems.get("token")
        self.saved_bundle_problem = problems.get("ca_bundle")
        super().__init__(*args, **kwargs)

    def chosen_credential_type(self) -> str | None:
        """The credential type chosen in the form (None for providers with only one)."""
        field = getattr(self, "credential_type", None)
        return self.kind.credential_type(field.data).id if field is not None else None

    def values(self) -> dict[str, object]:
        """The stored form of every non-secret field: blanks become None, the host a default."""
        result: dict[str, object] = {}
        for spec in self.kind.fields:
            if spec.kind == "secret":
                continue
            value = self[spec.name].data or None
            if spec.name == "host" and value is None:
                value = self.kind.default_host
            result[spec.name] = value
        result["credential_type"] = self.chosen_credential_type()
        result["verify_tls"] = not self.skip_tls_verify.data
        result["branch"] = self.branch.data or "main"
        result["repository_prefix"] = self.repository_prefix.data or ""
        result["repositories_precreated"] = bool(self.repositories_precreated.data)
        result["validation_repository"] = (self.validation_repository.data or None
                                           if self.repositories_precreated.data else None)
        result.update(review_values(self))
        return result

    def validate_branch(self, field: Field) -> None:
        """A valid git branch name (blank means main)."""
        if field.data and len(field.data) > MAX_BRANCH:
            raise ValidationError(f"Use at most {MAX_BRANCH} characters.")
        if field.data and not BRANCH.fullmatch(field.data):
            raise ValidationError("Use a valid git branch name, such as main or deploy/prod.")

    def validate_repository_prefix(self, field: Field) -> None:
        """Letters, digits, '.', '-' and '_' only: it becomes part of repository names."""
        if field.data and not PREFIX.fullmatch(field.data):
            raise ValidationError("Use at most 50 lowercase letters, digits, '.', '-' and '_'.")

    def validate_validation_repository(self, field: Field) -> None:
        """Required, and a plain repository name, when repositories are pre-created."""
        if not self.repositories_precreated.data:
            return
        if not field.data:
            raise ValidationError("Name an existing repository the token may write to: "
                                  "validation writes and removes one file there.")
        if not REPOSITORY_NAME.fullmatch(field.data):
            raise ValidationError("Use the repository's name only: letters, digits, '.', "
                                  "'-' and '_'.")

    def ca_bundle_change(self) -> str | bool | None:
        """The new CA bundle text, False to remove the saved one, None to keep it as it is."""
        if self.ca_bundle.data:
            return self.ca_bundle.data
        return False if self.remove_ca_bundle.data else None

    def token_required_because(self) -> str | None:
        """Why the token field must be filled in, or None when the saved token can be kept."""
        if self.saved is None:
            label = self.kind.spec("token", self.chosen_credential_type()).label
            return f"Enter the {label}."
        if self.saved_token_problem:
            return self.saved_token_problem
        values = self.values()
        changed = changed_binding_fields(self.kind, self.saved, values)
        if self.saved.credential_type != self.chosen_credential_type():
            changed.append("credential_type")
        # Weaker TLS could hand the token to whoever answers: it must be entered again.
        if self.saved.verify_tls and not values["verify_tls"]:
            changed.append("skip_tls_verify")
        if self.ca_bundle.data:
            changed.append("ca_bundle")
        if changed:
            labels = ", ".join(self[name].label.text for name in changed)
            return (f"You changed the {labels}: enter the token again, so that it is only "
                    "sent where it was meant to go.")
        return None

    def validate_token(self, field: Field) -> None:
        """The token may stay blank only when the saved one is still usable here."""
        if not field.data:
            reason = self.token_required_because()
            if reason:
                raise ValidationError(reason)
        elif any(character.isspace() for character in field.data):
            raise ValidationError("A token has no spaces or line breaks: paste it again.")
        elif not TOKEN.fullmatch(field.data):
            raise ValidationError("A token is 8 to 1024 plain ASCII characters; this one has "
                                  "others (a curly quote from copying?): paste it again.")

    def validate_ca_bundle(self, field: Field) -> None:
        """A saved bundle no key opens must be pasted again or removed."""
        if self.saved_bundle_problem and not field.data and not self.remove_ca_bundle.data:
            raise ValidationError(self.saved_bundle_problem[0].upper()
                                  + self.saved_bundle_problem[1:] + ".")

    def to_input(self) -> ConfigInput:
        """The checked submission as plain data for the configs service (after validate())."""
        return ConfigInput(self.kind.id, self.values(), self.token.data or None,
                           self.ca_bundle_change(), self.submitted_version())

    def submitted_version(self) -> int | None:
        """The version of the configuration the user was editing, if they were editing one."""
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


def _field_for(spec: FieldSpec) -> Field:
    """A WTForms field enforcing a FieldSpec's requiredness and shape."""
    if spec.kind == "secret":
        # Requiredness depends on what is saved: ProviderForm.validate_token decides.
        return PasswordField(spec.label, filters=[strip], description=spec.help)
    if spec.kind == "url":
        return URLField(spec.label, validators=[SpecRules(spec.name), check_host_url],
                        filters=[strip, normalize_url], description=spec.help)
    return StringField(spec.label, validators=[SpecRules(spec.name)], filters=[strip],
                       description=spec.help)


def _form_class(kind: ProviderKind) -> type[ProviderForm]:
    """Build the form class of one provider kind."""
    attributes: dict[str, object] = {"kind": kind}
    if kind.credential_types:
        attributes["credential_type"] = RadioField(
            "Credential type",
            choices=[SelectChoice(c.id, c.label) for c in kind.credential_types],
            default=kind.credential_types[0].id,
            validate_choice=True)
    attributes.update({spec.name: _field_for(spec) for spec in kind.fields})
    attributes.update(review_fields(kind))
    name = "".join(part.title() for part in kind.id.split("_")) + "Form"
    return type(name, (ProviderForm,), attributes)


FORMS: dict[str, type[ProviderForm]] = {kind_id: _form_class(kind)
                                        for kind_id, kind in KINDS.items()}
