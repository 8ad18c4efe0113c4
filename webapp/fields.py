"""Field checks every input form shares: clean-up filters, URL and host checks, CA bundles.

The settings forms, the deploy forms and (through them) the JSON API and the command line
all check their input here, so a rule is written once.
"""

import re
from urllib.parse import SplitResult, urlsplit, urlunsplit

from cryptography import x509
from flask import current_app
from wtforms import Field
from wtforms.validators import ValidationError

from webapp.providers.hosts import PRIVATE_HOST_HINT, private_address_of

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


def check_host_url(form, field: Field) -> None:
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


def check_ca_bundle(form, field: Field) -> None:
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
