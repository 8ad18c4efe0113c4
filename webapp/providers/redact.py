"""Removing secrets from text: the secret itself and the forms it travels in."""

import base64
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REPLACEMENT = "[redacted]"
MIN_SECRET_LENGTH = 6  # shorter strings are too likely to match ordinary text


def secret_forms(secret: str) -> set[str]:
    """The secret as plain text, URL-encoded, and inside the Basic-auth base64 of any user."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret)}
    # Basic auth encodes "user:secret"; the secret's bytes appear in the base64 at one of
    # three alignments, so strip the encodings of the secret at each alignment.
    for prefix in (b"", b":", b"::"):
        encoded = base64.b64encode(prefix + secret.encode()).decode()
        start = 4 * len(prefix) // 3 + (1 if prefix else 0)
        core = encoded[start:].rstrip("=")
        if len(core) > 4:
            forms.add(core[:-2])  # the last characters mix with what follows
    forms.add(base64.b64encode(secret.encode()).decode().rstrip("="))
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


class Redactor:
    """Replaces every form of the given secrets in text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET_LENGTH:
                forms |= secret_forms(secret)
                # An auth header value ("Bearer x", "Basic y") also hides its credential.
                forms |= {part for part in secret.split() if len(part) >= MIN_SECRET_LENGTH}
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(REPLACEMENT, text)
