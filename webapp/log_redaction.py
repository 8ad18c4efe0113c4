"""Keeping secrets out of the logs: every record is redacted as it is created.

Every provider token (and CA bundle) this process encrypts or decrypts is remembered
here; every log record, whichever logger or handler it goes through, is stripped of
them, in plain, URL-encoded and Basic-auth base64 form, message and traceback alike.
"""

from __future__ import annotations

import logging
import threading
import traceback

from webapp import record_factory
from webapp.providers.redact import Redactor

_lock = threading.Lock()
_secrets: set[str] = set()
_redactor = Redactor(())


def remember(secret: str) -> None:
    """Add a secret that must never appear in a log record."""
    global _redactor
    if not secret or secret in _secrets:
        return
    with _lock:
        _secrets.add(secret)
        _redactor = Redactor(_secrets)


def redact(text: str) -> str:
    """text without any remembered secret."""
    return _redactor(text)


def install() -> None:
    """Make every new log record a redacted one (once per process)."""
    record_factory.extend("redaction", _redact_record)


def _redact_record(record: logging.LogRecord) -> None:
    if _secrets:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_info = None  # the redacted text above is what handlers print
