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
    old = read_keys(path.read_text())
    new_keys = [new_token_key(), *old]
    box = SecretBox(new_keys)
    try:
        count = _reencrypt(box)
        # The new key goes to disk before the commit: a crash in between leaves secrets
        # under an old key, which the file still holds, never under a key that is lost.
        write_keys(path, new_keys)
        record("key_rotated", "token keys", {"secrets_reencrypted": count, "keys": len(new_keys)},
               actor="cli", commit=False)
        db.session.commit()
    except Exception:
        db.session.rollback()
        write_keys(path, old)
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


