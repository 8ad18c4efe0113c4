"""What /readyz checks: the database answers, its schema is at the newest migration, and
the configured keys open the stored secrets.

Each check returns what it found or raises NotReady with what to do. Nothing here writes,
and no secret, key or connection string ever goes into a message (/readyz is public).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import inspect, select, text

from webapp.configs.expiry import WARN_DAYS, expiring_tokens
from webapp.configure import ConfigError
from webapp.crypto import secret_box
from webapp.extensions import db
from webapp.models import GitOpsConfig
from webapp.providers import KINDS

# Encrypted and decrypted when no secret is stored yet; constant, because every secret
# the process sees is remembered for log redaction.
PROBE = "gitops-console-readiness-probe"
log = logging.getLogger(__name__)


class Warned(str):
    """What a check found that an operator should act on, though the instance is ready."""


class NotReady(Exception):
    """A check failed; the message says what is wrong and what to do."""


def database() -> str:
    """The database answers a query."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        log.warning("readiness: the database does not answer: %s", error)
        raise NotReady(f"the database does not answer ({type(error).__name__}); the "
                       "server's log has details") from None
    return "answers"


def migrations() -> str:
    """The database's schema is at the newest migration this code has."""
    heads = _code_heads()
    with db.engine.connect() as connection:
        # Read directly: Alembic's MigrationContext logs two lines at INFO each time.
        current = set(connection.execute(text("SELECT version_num FROM alembic_version"))
                      .scalars()) if inspect(connection).has_table("alembic_version") else set()
    if current == heads:
        return f"at {', '.join(sorted(heads))} (the newest)"
    if not current:
        raise NotReady("the database has no schema yet: run `flask --app wsgi db upgrade`")
    raise NotReady(f"the database is at {', '.join(sorted(current))}, this code needs "
                   f"{', '.join(sorted(heads))}: run `flask --app wsgi db upgrade`")


def _code_heads() -> set[str]:
    """The newest revisions in migrations/, read once per process."""
    heads = current_app.extensions.get("readiness_heads")
    if heads is None:
        migrate = current_app.extensions["migrate"]
        script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
        heads = current_app.extensions["readiness_heads"] = set(script.get_heads())
    return heads


def keys() -> str:
    """The configured keys open the active provider's token (or another stored one)."""
    try:
        box = secret_box()
    except ConfigError as error:
        raise NotReady(f"the token keys cannot be loaded: {error}") from None
    except OSError as error:
        raise NotReady(f"the key file cannot be read ({error.strerror})") from None
    with db.engine.connect() as connection:
        row = connection.execute(
            select(GitOpsConfig.kind, GitOpsConfig.token_ciphertext, GitOpsConfig.active)
            .order_by(GitOpsConfig.active.desc(), GitOpsConfig.updated_at.desc())
            .limit(1)).first()
    if row is None:
        if not box.can_decrypt(box.encrypt(PROBE)):
            raise NotReady("the token keys cannot encrypt and decrypt a probe value")
        return "no secret stored yet; the keys encrypt and decrypt a probe value"
    which = f"the {'active ' if row.active else ''}{KINDS[row.kind].label} token"
    if not box.can_decrypt(row.token_ciphertext):
        where = ("the key file token_keys in the instance folder"
                 if current_app.config.get("TOKEN_KEYS_FILE") else "GITOPS_TOKEN_KEYS")
        raise NotReady(f"no configured key opens {which}: the keys ({where}) are not the "
                       "ones it was saved with; restore them, or enter the token again")
    return f"open {which}"


def token_expiry() -> str:
    """When saved tokens expire, from 14 days before: a warning, never a reason to take the
    instance out of rotation (it serves pages and the API either way)."""
    soon = expiring_tokens()
    if not soon:
        return f"no saved token expires within {WARN_DAYS} days"
    return Warned("; ".join(
        f"the {'active ' if token.active else ''}{token.label} token "
        + (f"expired on {token.expires_at:%Y-%m-%d}" if token.expired else
           f"expires on {token.expires_at:%Y-%m-%d} (in {token.days_left} days)")
        for token in soon))


CHECKS: dict[str, Callable[[], str]] = {"database": database, "migrations": migrations,
                                        "keys": keys, "token_expiry": token_expiry}



def run() -> dict[str, dict[str, object]]:
    """Every check's outcome by name: ok (None: not checked), and what it found or what to do.

    Each check needs the ones before it (the keys are read from the current schema): after
    a failure, the rest say so instead of failing on their own.
    """
    results: dict[str, dict[str, object]] = {}
    failed = None
    for name, check in CHECKS.items():
        if failed is not None:
            results[name] = {"ok": None, "message": f"not checked: {failed} failed"}
            continue
        try:
            found = check()
            results[name] = {"ok": True, "message": str(found)}
            if isinstance(found, Warned):
                results[name]["warning"] = True
        except NotReady as failure:
            results[name] = {"ok": False, "message": str(failure)}
        except Exception as error:  # a probe answers, whatever broke
            log.exception("readiness check %s failed", name)
            results[name] = {"ok": False, "message": f"failed ({type(error).__name__}); the "
                                                     "server's log has details"}
        if results[name]["ok"] is False:
            failed = name
    return results
