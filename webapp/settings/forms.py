"""The provider settings forms, one class per provider kind, built once from providers.kinds."""

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

from cryptography import x509
from flask import current_app
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

from webapp.providers import KINDS, FieldSpec, ProviderKind
from webapp.providers.hosts import PRIVATE_HOST_HINT, private_address_of
from webapp.settings.service import changed_binding_fields

MAX_CA_BUNDLE = 64 * 1024
MAX_BRANCH = 255  # the column's length
# A git branch name: no spaces, control characters or ~^:?*[\ , no "..", "//" or "@{",
# not starting with "-" and not ending with "/", "." or ".lock".
BRANCH = re.compile(r"(?!-)(?!.*\.\.)(?!.*//)(?!.*@\{)[^\s\x00-\x1f\x7f~^:?*\[\\]+"
                    r"(?<!\.lock)(?<![/.])")
REPOSITORY_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
PREFIX = re.compile(r"[a-z0-9._-]{1,50}")
# Provider tokens are printable ASCII; anything else cannot even travel in an HTTP header.
TOKEN = re.compile(r"[\x21-\x7e]{8,1024}")


def strip(value):
    """Remove the white space that copy and paste brings along."""
    return value.strip() if isinstance(value, str) else value


def normalize_url(value):
    """Drop a trailing slash so that https://host and https://host/ are the same host."""
    return value.rstrip("/") if isinstance(value, str) else value


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


def check_host_url(form: FlaskForm, field: Field) -> None:
    """A provider host: an https URL (http in labs) that is not private unless allowed."""
    if not field.data:
        return
    allow_http = current_app.config["ALLOW_HTTP_HOSTS"]
    parts = check_url_shape(field, ("https", "http") if allow_http else ("https",))
    if not current_app.config["ALLOW_PRIVATE_HOSTS"]:
        private = private_address_of(parts.hostname, parts.port or 443)
        if private is not None:
            raise ValidationError(f"{parts.hostname} resolves to the private address "
                                  f"{private}. {PRIVATE_HOST_HINT}")


def check_url_shape(field: Field, schemes: tuple[str, ...]) -> SplitResult:
    """An absolute URL of one of schemes with a host, no user info, no query and no fragment;
    field.data becomes its normal form (lowercase scheme and host)."""
    if any(character.isspace() or not character.isprintable() for character in field.data):
        # urlsplit lets NUL and other control characters through to the host and path.
        raise ValidationError("Remove the spaces and control characters from the URL.")
    try:
        parts = urlsplit(field.data)
        port = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        raise ValidationError("Enter a URL such as https://git.example.com.") from None
    if parts.scheme.lower() not in schemes:
        raise ValidationError("Use an https:// URL." if schemes == ("https",)
                              else "Use an https:// or http:// URL.")
    if not parts.hostname:
        raise ValidationError("Enter a URL with a host name, such as https://git.example.com.")
    if parts.username is not None or parts.password is not None:
        raise ValidationError("Remove the user name or password from the URL: the token goes "
                              "in its own field.")
    if parts.query or parts.fragment:
        raise ValidationError("Remove the ?query or #fragment from the URL.")
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 address: its brackets are URL syntax that hostname drops
        host = f"[{host}]"
    netloc = host + (f":{port}" if port else "")
    field.data = urlunsplit((parts.scheme.lower(), netloc, parts.path, "", ""))
    return urlsplit(field.data)


def check_ca_bundle(form: FlaskForm, field: Field) -> None:
    """One or more PEM certificates, or nothing."""
    if not field.data:
        return
    if len(field.data) > MAX_CA_BUNDLE:
        raise ValidationError("The CA bundle is larger than 64 KiB: paste only the certificates "
                              "of your certificate authority.")
    try:
        certificates = x509.load_pem_x509_certificates(field.data.encode())
    except ValueError:
        certificates = []
    if not certificates:
        raise ValidationError("Paste one or more PEM certificates, each from -----BEGIN "
                              "CERTIFICATE----- to -----END CERTIFICATE-----.")


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
    name = "".join(part.title() for part in kind.id.split("_")) + "Form"
    return type(name, (ProviderForm,), attributes)


FORMS: dict[str, type[ProviderForm]] = {kind_id: _form_class(kind)
                                        for kind_id, kind in KINDS.items()}
