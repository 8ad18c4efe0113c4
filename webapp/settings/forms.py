"""The provider settings forms, one class per provider kind, built once from providers.kinds."""

from urllib.parse import urlsplit, urlunsplit

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, PasswordField, StringField, URLField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from webapp.providers import KINDS, FieldSpec, ProviderKind
from webapp.settings.service import changed_binding_fields


def strip(value):
    """Remove the white space that copy and paste brings along."""
    return value.strip() if isinstance(value, str) else value


def normalize_url(value):
    """Drop a trailing slash so that https://host and https://host/ are the same host."""
    return value.rstrip("/") if isinstance(value, str) else value


def check_host_url(form: FlaskForm, field: Field) -> None:
    """An absolute https URL with a host, no user info, no query and no fragment."""
    if not field.data:
        return
    allow_http = current_app.config["ALLOW_HTTP_HOSTS"]
    try:
        parts = urlsplit(field.data)
        port = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        raise ValidationError("Enter a URL such as https://git.example.com.") from None
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme.lower() not in schemes:
        raise ValidationError("Use an https:// URL." if not allow_http
                              else "Use an https:// or http:// URL.")
    if not parts.hostname:
        raise ValidationError("Enter a URL with a host name, such as https://git.example.com.")
    if parts.username is not None or parts.password is not None:
        raise ValidationError("Remove the user name or password from the URL: the token goes "
                              "in its own field.")
    if parts.query or parts.fragment:
        raise ValidationError("Remove the ?query or #fragment from the URL.")
    netloc = parts.hostname.lower() + (f":{port}" if port else "")
    field.data = urlunsplit((parts.scheme.lower(), netloc, parts.path, "", ""))


class ProviderForm(FlaskForm):
    """Fields every provider form shares; subclasses add the provider's own fields."""

    kind: ProviderKind
    version = HiddenField()

    def __init__(self, *args, saved=None, token_problem: str | None = None, **kwargs):
        # saved: the stored configuration, if any; token_problem: why its token is unusable.
        self.saved = saved
        self.saved_token_problem = token_problem
        super().__init__(*args, **kwargs)

    def values(self) -> dict[str, str | None]:
        """The stored form of every non-secret field: blanks become None, the host a default."""
        result = {}
        for spec in self.kind.fields:
            if spec.kind == "secret":
                continue
            value = self[spec.name].data or None
            if spec.name == "host" and value is None:
                value = self.kind.default_host
            result[spec.name] = value
        return result

    def token_required_because(self) -> str | None:
        """Why the token field must be filled in, or None when the saved token can be kept."""
        if self.saved is None:
            return f"Enter the {self.kind.token_field.label}."
        if self.saved_token_problem:
            return self.saved_token_problem
        changed = changed_binding_fields(self.kind, self.saved, self.values())
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

    def submitted_version(self) -> int | None:
        """The version of the configuration the user was editing, if they were editing one."""
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


def _field_for(spec: FieldSpec) -> Field:
    """A WTForms field enforcing a FieldSpec's requiredness and shape."""
    validators = []
    if spec.kind == "secret":
        # Requiredness depends on what is saved: ProviderForm.validate_token decides, so no
        # Optional() here (it would stop the chain before validate_token runs).
        return PasswordField(spec.label, validators=[Length(max=spec.max_length)],
                             filters=[strip], description=spec.help)
    if spec.required:
        validators.append(InputRequired(message=f"Enter the {spec.label}."))
    else:
        validators.append(Optional())
    validators.append(Length(max=spec.max_length,
                             message=f"Use at most {spec.max_length} characters."))
    if spec.kind == "url":
        return URLField(spec.label, validators=[*validators, check_host_url],
                        filters=[strip, normalize_url], description=spec.help)
    if spec.pattern is not None:
        validators.append(Regexp(f"^(?:{spec.pattern.pattern})$",
                                 message=f"Use {spec.pattern_hint}."))
    return StringField(spec.label, validators=validators, filters=[strip],
                       description=spec.help)


def _form_class(kind: ProviderKind) -> type[ProviderForm]:
    """Build the form class of one provider kind."""
    attributes = {"kind": kind, **{spec.name: _field_for(spec) for spec in kind.fields}}
    name = "".join(part.title() for part in kind.id.split("_")) + "Form"
    return type(name, (ProviderForm,), attributes)


FORMS: dict[str, type[ProviderForm]] = {kind_id: _form_class(kind)
                                        for kind_id, kind in KINDS.items()}
