"""Layered configuration: defaults < instance/config.py < GITOPS_* environment < test_config."""

import logging
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask

from webapp.config import Defaults

ENV_PREFIX = "GITOPS_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

log = logging.getLogger(__name__)


class ConfigError(Exception):
    """A setting has a value the app cannot use; the message names the setting and the fix."""


def setting_names() -> list[str]:
    """Every setting the app knows, as declared in webapp.config.Defaults."""
    return [name for name in vars(Defaults) if name.isupper()]


def parse_env_value(name: str, raw: str, default: Any) -> Any:
    """Turn one environment string into the type of the setting's default, or say why not."""
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ConfigError(f"{ENV_PREFIX}{name} must be true or false (1/0, yes/no, on/off), "
                          f"not {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw.strip())
        except ValueError:
            raise ConfigError(f"{ENV_PREFIX}{name} must be a whole number, not {raw!r}") from None
    if isinstance(default, float):
        try:
            value = float(raw.strip())
        except ValueError:
            value = -1.0
        if value <= 0:
            raise ConfigError(f"{ENV_PREFIX}{name} must be a positive number of seconds, "
                              f"not {raw!r}")
        return value
    return raw


def read_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The GITOPS_* variables that name a known setting, parsed; unknown ones are logged."""
    known = set(setting_names())
    values: dict[str, Any] = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX):]
        if name not in known:
            log.warning("ignoring %s: GitOps Console has no setting of that name", key)
            continue
        values[name] = parse_env_value(name, raw, getattr(Defaults, name))
    return values


def instance_path(test_config: Mapping[str, Any] | None,
                  environ: Mapping[str, str]) -> str | None:
    """Where the database and generated keys live: INSTANCE_PATH, or Flask's instance/."""
    chosen = (test_config or {}).get("INSTANCE_PATH") or environ.get(f"{ENV_PREFIX}INSTANCE_PATH")
    return os.path.abspath(chosen) if chosen else None


def configure(app: Flask, test_config: Mapping[str, Any] | None,
              environ: Mapping[str, str] | None = None) -> None:
    """Fill app.config from every layer, then derive the settings Flask's extensions read."""
    app.config.from_object(Defaults)
    if app.config.from_pyfile("config.py", silent=True):
        _check_file_types(app.config, os.path.join(app.instance_path, "config.py"))
    app.config.update(read_environment(os.environ if environ is None else environ))
    if test_config:
        app.config.update(test_config)
    _derive(app)


def _check_file_types(config: Mapping[str, Any], path: str) -> None:
    """Settings from instance/config.py must have their default's type ("false" is true)."""
    for name in setting_names():
        value, default = config[name], getattr(Defaults, name)
        expected = type(default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            continue
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{path}: {name} must be {_TYPE_NAMES[expected]}, "
                              f"not {value!r}")


_TYPE_NAMES = {bool: "True or False", int: "a whole number", float: "a number of seconds",
               str: "a string"}


def server_settings(environ: Mapping[str, str] | None = None) -> Mapping[str, Any]:
    """Every setting as the app will see it, read before the app exists (gunicorn.conf.py)."""
    environ = os.environ if environ is None else environ
    app = Flask("webapp", instance_relative_config=True,
                instance_path=instance_path(None, environ))
    configure(app, None, environ)
    return app.config


LOG_FORMATS = ("text", "json")


def _derive(app: Flask) -> None:
    """Translate our settings into the names Flask, Flask-WTF and Flask-SQLAlchemy expect."""
    config = app.config
    if config["LOG_FORMAT"] not in LOG_FORMATS:
        raise ConfigError(f"{ENV_PREFIX}LOG_FORMAT must be text or json, "
                          f"not {config['LOG_FORMAT']!r}")
    url = config["DATABASE_URL"] or "sqlite:///" + os.path.join(app.instance_path, "gitops.db")
    config["SQLALCHEMY_DATABASE_URI"] = url
    config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    config["WTF_CSRF_TIME_LIMIT"] = config["CSRF_TIME_LIMIT"] or None
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=config["SESSION_LIFETIME"])
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # The largest input is a values file (256 KiB) or a CA bundle (64 KiB): refuse more.
    config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    # A GET must never rewrite the session cookie (see README, "Performance").
    config["SESSION_REFRESH_EACH_REQUEST"] = False
