"""`flask --app wsgi keys …`: rotate, check and retire the keys that encrypt stored secrets."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.audit import record
from webapp.crypto import SecretBox, parse_keys, secret_box
from webapp.extensions import db
from webapp.instance_keys import new_token_key, read_keys, write_keys
from webapp.models import GitOpsConfig

keys = AppGroup("keys", help="Rotate, check and retire the keys that encrypt stored secrets.")
SECRET_COLUMNS = ("token_ciphertext", "ca_bundle_ciphertext")
ENVIRONMENT_KEYS = ("The keys come from GITOPS_TOKEN_KEYS (or instance/config.py), which this "
                    "command cannot change: put a new key (`flask --app wsgi keys generate`) "
                    "first in that setting, restart the app, then run `flask --app wsgi keys "
                    "reencrypt`.")
ROTATE_FAILED = ("Re-encrypting failed ({error}); the stored secrets are unchanged. The new key "
                 "stays first in {path}, in front of every old key, so everything still "
                 "decrypts and secrets saved since then are under the new key. Back the file "
                 "up, then run `flask --app wsgi keys reencrypt` to finish.")


def init_app(app: Flask) -> None:
    """Register the command group."""
    app.cli.add_command(keys)


def _secrets():
    """(configuration, column, ciphertext) of every stored secret."""
    for config in db.session.scalars(select(GitOpsConfig).order_by(GitOpsConfig.kind)):
        for column in SECRET_COLUMNS:
            value = getattr(config, column)
            if value:
                yield config, column, value


def _unopenable(box: SecretBox) -> list[str]:
    return [f"{config.kind} {column.removesuffix('_ciphertext').replace('_', ' ')}"
            for config, column, value in _secrets() if not box.can_decrypt(value)]


def _reencrypt(box: SecretBox) -> int:
    """Every secret re-encrypted under box's first key, in one transaction."""
    count = 0
    for config, column, value in _secrets():
        setattr(config, column, box.rotate(value))
        count += 1
    return count


def _summary(error: Exception) -> str:
    # Only the first line: database errors go on with the SQL and its parameters.
    lines = str(error).splitlines()
    return lines[0] if lines else type(error).__name__


def _key_file() -> Path:
    path = current_app.config.get("TOKEN_KEYS_FILE")
    if not path:
        raise click.ClickException(ENVIRONMENT_KEYS)
    return Path(path)


@keys.command("generate")
def generate() -> None:
    """Print a new key (for keys kept in GITOPS_TOKEN_KEYS)."""
    click.echo(new_token_key())


@keys.command("check")
def check() -> None:
    """Report every stored secret no configured key opens (exit status 1 if any)."""
    box = secret_box()
    broken = _unopenable(box)
    total = len(list(_secrets()))
    first = SecretBox(parse_keys(current_app.config["TOKEN_KEYS"])[:1])
    older = sum(1 for _c, _col, value in _secrets() if not first.can_decrypt(value))
    if broken:
        for name in broken:
            click.echo(f"cannot decrypt: {name} (enter it again on the settings page)")
        raise SystemExit(1)
    click.echo(f"All {total} stored secrets open with the configured keys; {older} are "
               "encrypted under an older key.")


@keys.command("rotate")
def rotate() -> None:
    """Put a new key in front of the key file and re-encrypt every secret under it."""
    path = _key_file()
    broken = _unopenable(secret_box())
    if broken:
        raise click.ClickException("No configured key opens: " + ", ".join(broken)
                                   + ". Enter them again first; nothing was changed.")
    new_keys = [new_token_key(), *read_keys(path.read_text())]
    box = SecretBox(new_keys)
    written = False
    try:
        count = _reencrypt(box)
        # The new key goes to disk before the commit: a crash in between leaves secrets
        # under an old key, which the file still holds, never under a key that is lost.
        write_keys(path, new_keys)
        written = True
        record("key_rotated", "token keys", {"secrets_reencrypted": count, "keys": len(new_keys)},
               actor="cli", commit=False)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if written:
            # Never put the old file back: a worker may already have saved a secret under
            # the new key. An extra key in front is harmless, the old ones still open the rest.
            message = ROTATE_FAILED.format(path=path, error=_summary(error))
            raise click.ClickException(message) from error
        raise
    click.echo(f"Re-encrypted {count} stored secrets under a new key, now first in {path}. "
               "Running workers pick it up on their own. Back the file up; once `keys check` "
               "reports nothing under an older key, `keys retire` removes the old ones.")


@keys.command("reencrypt")
def reencrypt() -> None:
    """Re-encrypt every secret under the first configured key (after changing the setting)."""
    box = secret_box()
    broken = _unopenable(box)
    if broken:
        raise click.ClickException("No configured key opens: " + ", ".join(broken)
                                   + ". Nothing was changed.")
    count = _reencrypt(box)
    record("key_rotated", "token keys", {"secrets_reencrypted": count}, actor="cli",
           commit=False)
    db.session.commit()
    click.echo(f"Re-encrypted {count} stored secrets under the first configured key.")


@keys.command("retire")
def retire() -> None:
    """Remove every key but the first from the key file, once nothing needs them."""
    path = _key_file()
    current = read_keys(path.read_text())
    first = SecretBox(current[:1])
    needing = [f"{config.kind} {column.removesuffix('_ciphertext')}"
               for config, column, value in _secrets() if not first.can_decrypt(value)]
    if needing:
        raise click.ClickException("These still need an older key: " + ", ".join(needing)
                                   + ". Run `keys rotate` or `keys reencrypt` first.")
    write_keys(path, current[:1])
    record("key_retired", "token keys", {"keys_removed": len(current) - 1}, actor="cli")
    click.echo(f"Removed {len(current) - 1} old keys from {path}.")


