"""Log lines as text for people or as one JSON object a line, each with its request.

Every record made while a request is handled carries that request's id, user, method and
path (the access log line adds status and duration), whichever logger made it. Both
formats print only redacted text: the record factory of log_redaction strips the message
and traceback, and the JSON formatter strips every other field it writes too.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

from webapp import record_factory
from webapp.log_redaction import redact

# Attributes a record may carry, in the order the JSON object lists them.
REQUEST_FIELDS = ("request_id", "user", "method", "path", "status", "duration_ms")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s%(request_tag)s: %(message)s"



class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC)
                 .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                 "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # Each value on its own: a secret with a quote in it is escaped inside the JSON.
        return json.dumps({key: redact(value) if isinstance(value, str) else value
                           for key, value in entry.items()}, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The classic line, with the request id in brackets when there is one."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_tag = f" [{request_id}]" if request_id else ""
        return super().format(record)


def formatter(log_format: str = "text") -> logging.Formatter:
    """The formatter of a LOG_FORMAT setting (used by gunicorn.conf.py too)."""
    return JsonFormatter() if log_format == "json" else TextFormatter()


def logging_config(level: str, log_format: str) -> dict:
    """A logging.config.dictConfig dict: everything to stderr, in the chosen format.

    gunicorn's error log propagates to the root, so its lines share the format; its access
    log is silent, since webapp.access writes a richer line for each request.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"app": {"()": "webapp.logs.formatter", "log_format": log_format}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "app",
                                "stream": "ext://sys.stderr"}},
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            # The app logs each request itself (webapp.access), with its id and user.
            "gunicorn.access": {"handlers": [], "propagate": False},
        },
    }


def init_app(app: Flask) -> None:
    """Log to stderr in LOG_FORMAT unless the server (gunicorn, pytest) set logging up."""
    level = app.config["LOG_LEVEL"].upper()
    if not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(formatter(app.config["LOG_FORMAT"]))
        logging.getLogger().addHandler(handler)
        logging.getLogger().setLevel(level)
    logging.getLogger("webapp").setLevel(level)
    _install_request_fields()


def _install_request_fields() -> None:
    """Give every record made during a request that request's fields (once per process)."""
    record_factory.extend("request fields", _add_request_fields)


def _add_request_fields(record: logging.LogRecord) -> None:
    if has_request_context():
        user = g.get("user")
        record.request_id = g.get("request_id")
        record.user = user.username if user is not None else None
        record.method, record.path = request.method, request.path
