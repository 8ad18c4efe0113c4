"""The saved provider configurations: reading, saving, activating and deleting them.

Every write is one transaction; activation keeps exactly one row active (the database's
partial unique index enforces it too), and a save never overwrites another person's save.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from webapp.crypto import UNDECRYPTABLE_MESSAGE, secret_box
from webapp.extensions import db
from webapp.models import GitOpsConfig, utcnow
from webapp.providers import KINDS, ProviderKind
from webapp.validation import Report

BUNDLE_UNDECRYPTABLE = ("the saved CA bundle cannot be decrypted with the configured keys; "
                        "paste it again or remove it")


CHANGED_MEANWHILE = ("Someone else saved this configuration while you edited it: review the "
                     "values below and save again.")


class ConfigConflict(Exception):
    """Someone else saved this configuration, or activated another, while the user edited."""

    report: Report | None = None  # the validation run just before, if any


class ConfigMissing(LookupError):
    """No configuration of that kind is saved."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"No {KINDS[kind].label if kind in KINDS else kind} configuration "
                         "is saved.")


class StorageBusy(Exception):
    """The database could not take the write (locked or unreachable); nothing was stored."""

    report: Report | None = None  # the validation run just before, if any

    def __init__(self) -> None:
        super().__init__("The database is busy: nothing was saved. Your entries are kept "
                         "below; save again in a moment.")


def configs_by_kind() -> dict[str, GitOpsConfig]:
    """Every saved configuration, keyed by provider kind, in one query."""
    return {config.kind: config for config in db.session.scalars(select(GitOpsConfig))}


def active_config() -> GitOpsConfig | None:
    """The active configuration, if one is saved and active."""
    return db.session.scalar(select(GitOpsConfig).where(GitOpsConfig.active.is_(True)))


def secret_problems(config: GitOpsConfig | None) -> dict[str, str]:
    """Which saved secrets of config no configured key opens, with what to do about each."""
    if config is None:
        return {}
    box, problems = secret_box(), {}
    if not box.can_decrypt(config.token_ciphertext):
        problems["token"] = UNDECRYPTABLE_MESSAGE
    if config.ca_bundle_ciphertext and not box.can_decrypt(config.ca_bundle_ciphertext):
        problems["ca_bundle"] = BUNDLE_UNDECRYPTABLE
    return problems


def changed_binding_fields(kind: ProviderKind, saved: GitOpsConfig | None,
                           values: dict[str, str | None]) -> list[str]:
    """The fields a saved token is bound to (host, namespace) that values would change."""
    if saved is None:
        return []
    return [name for name in kind.binding_fields if values.get(name) != getattr(saved, name)]


@dataclass(frozen=True)
class Saved:
    """What a save did: the configuration, the names of what changed, and if it was activated."""

    config: GitOpsConfig
    changed: list[str]
    activated: bool


def save_and_activate(kind: str, values: dict[str, object], token: str | None,
                      expected_version: int | None,
                      ca_bundle: str | bool | None = None,
                      report: Report | None = None) -> Saved:
    """Store kind's configuration and make it the only active one, all or nothing.

    token None keeps the saved ciphertext; ca_bundle None keeps the saved one and False
    removes it; expected_version is the version the user loaded (None for a new
    configuration), so a save never silently overwrites another person's save. report is
    the validation run just before (None: saved without validating).
    """
    try:
        # Deactivate first: the partial unique index allows one active row at any moment.
        db.session.execute(
            update(GitOpsConfig)
            .where(GitOpsConfig.active.is_(True), GitOpsConfig.kind != kind)
            .values(active=False, version=GitOpsConfig.version + 1)
            .execution_options(synchronize_session=False))
        config = db.session.scalar(select(GitOpsConfig).where(GitOpsConfig.kind == kind))
        if config is None:
            if expected_version is not None:
                raise ConfigConflict("This configuration was deleted while you edited it.")
            config = GitOpsConfig(kind=kind)
            db.session.add(config)
        elif config.version != expected_version:
            raise ConfigConflict(CHANGED_MEANWHILE)
        if token is None and (config.token_ciphertext is None
                              or changed_binding_fields(KINDS[kind], config, values)):
            raise ConfigConflict("Enter the token again: the host or namespace changed.")
        # Names, never values: the audit log says a token changed, not what it is.
        changed = [name for name, value in values.items() if getattr(config, name) != value]
        for name, value in values.items():
            setattr(config, name, value)
        if token is not None:
            config.token_ciphertext = secret_box().encrypt(token)
            changed.append("token changed")
            if KINDS[kind].reports_token_expiry:  # the old token's expiry says nothing now
                config.token_expires_at = None
        if ca_bundle is False and config.ca_bundle_ciphertext:
            config.ca_bundle_ciphertext = None
            changed.append("CA bundle removed")
        elif ca_bundle:
            config.ca_bundle_ciphertext = secret_box().encrypt(ca_bundle)
            changed.append("CA bundle changed")
        _apply_report(config, report)
        activated = not config.active
        config.active = True
        db.session.commit()
    except ConfigConflict:
        db.session.rollback()
        raise
    except StaleDataError:
        # Another save changed this row between our read and our write (PostgreSQL lets
        # both read it): the same conflict as a version seen to differ, the same message.
        db.session.rollback()
        raise ConfigConflict(CHANGED_MEANWHILE) from None
    except IntegrityError:
        db.session.rollback()
        raise ConfigConflict("Another configuration was saved at the same moment: "
                             "save again.") from None
    except OperationalError:
        db.session.rollback()
        raise StorageBusy() from None
    return Saved(config, changed, activated)


def current_version(kind: str) -> int | None:
    """The stored version of kind's configuration (None if there is none)."""
    return db.session.scalar(select(GitOpsConfig.version).where(GitOpsConfig.kind == kind))


def record_validation(kind: str, version: int, report: Report) -> bool:
    """Store a re-validation's report, only if the configuration is still the one validated.

    A plain UPDATE: recording a result is not an edit, so the version stays as it is and
    nobody editing the form gets a false "someone else saved" conflict.
    """
    try:
        result = db.session.execute(
            update(GitOpsConfig)
            .where(GitOpsConfig.kind == kind, GitOpsConfig.version == version)
            .values(validation_outcome=report.outcome, validated_at=utcnow(),
                    last_validation=report.to_json(),
                    **({"token_expires_at": expiry_of(report)}
                       if report.token_expiry_known else {}))
            .execution_options(synchronize_session=False))
        db.session.commit()
    except OperationalError:
        db.session.rollback()
        raise StorageBusy() from None
    return result.rowcount == 1


def _apply_report(config: GitOpsConfig, report: Report | None) -> None:
    if report is None:
        config.validation_outcome = config.validated_at = config.last_validation = None
        return
    config.validation_outcome = report.outcome
    config.validated_at = utcnow()
    config.last_validation = report.to_json()
    if report.token_expiry_known:
        config.token_expires_at = expiry_of(report)


def expiry_of(report: Report):
    """The token expiry a validation report carries, as a datetime (None: no expiry)."""
    return datetime.fromisoformat(report.token_expires_at) if report.token_expires_at \
        else None


class DeleteRefused(Exception):
    """The active configuration cannot go without a choice of what comes next."""


def delete_config(kind: str, leave_unconfigured: bool) -> GitOpsConfig | None:
    """Delete kind's configuration; the active one only when told to leave GitOps unconfigured.

    Applications first deployed through it keep their repository's address but lose the
    link (their next deploy goes through the active provider).
    """
    config = db.session.scalar(select(GitOpsConfig).where(GitOpsConfig.kind == kind))
    if config is None:
        return None
    if config.active and not leave_unconfigured:
        raise DeleteRefused("This is the active provider: activate another one first, or "
                            "tick \"Leave GitOps unconfigured\" to close deployments.")
    try:
        db.session.delete(config)
        db.session.commit()
    except OperationalError:
        db.session.rollback()
        raise StorageBusy() from None
    return config


def activate(kind: str, expected_version: int | None = None) -> bool:
    """Make kind's saved configuration the only active one; whether it was inactive before.

    ConfigMissing when none is saved; ConfigConflict when expected_version is given and stale.
    """
    try:
        config = db.session.scalar(select(GitOpsConfig).where(GitOpsConfig.kind == kind))
        if config is None:
            raise ConfigMissing(kind)
        if expected_version is not None and config.version != expected_version:
            raise ConfigConflict("Someone else changed this configuration: reload it and "
                                 "activate again.")
        if config.active:
            db.session.rollback()
            return False
        db.session.execute(
            update(GitOpsConfig)
            .where(GitOpsConfig.active.is_(True), GitOpsConfig.kind != kind)
            .values(active=False, version=GitOpsConfig.version + 1)
            .execution_options(synchronize_session=False))
        config.active = True
        db.session.commit()
    except (ConfigConflict, ConfigMissing):
        db.session.rollback()
        raise
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise ConfigConflict("Another configuration was activated at the same moment: "
                             "try again.") from None
    except OperationalError:
        db.session.rollback()
        raise StorageBusy() from None
    return True


def applications_using(config: GitOpsConfig | None) -> list[str]:
    """Names of the applications first deployed through config."""
    if config is None:
        return []
    from webapp.models import Application
    return list(db.session.scalars(select(Application.name)
                                   .where(Application.config_id == config.id)
                                   .order_by(Application.name)))
