"""Secrets generated once into instance/ when no setting provides them.

A file is written to a private temporary name and then linked into place, so two
processes starting at the same moment (gunicorn workers) agree on one key: the
loser of the race reads the winner's file instead of overwriting it.
"""

import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

log = logging.getLogger(__name__)

SECRET_KEY_FILE = "secret_key"  # noqa: S105  (a file name, not a secret)
TOKEN_KEYS_FILE = "token_keys"  # noqa: S105


def load_or_create(path: Path, generate: Callable[[], str], what: str) -> str:
    """Return the file's content, creating it with mode 0600 from generate() if missing."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(generate() + "\n")
        os.link(temporary, path)
        log.warning("generated a new %s into %s (mode 0600): back this file up", what, path)
    except FileExistsError:
        pass  # another process won the race; use its key
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_text().strip()


def new_secret_key() -> str:
    """A random session-signing key."""
    return secrets.token_urlsafe(48)


def new_token_key() -> str:
    """A random Fernet key for encrypting provider tokens."""
    return Fernet.generate_key().decode()


def ensure_secret_key(config: dict, instance_path: str) -> None:
    """Fill SECRET_KEY from instance/secret_key unless a setting already gave one."""
    if not config.get("SECRET_KEY"):
        path = Path(instance_path, SECRET_KEY_FILE)
        config["SECRET_KEY"] = load_or_create(path, new_secret_key, "session secret key")


def ensure_token_keys(config: dict, instance_path: str) -> None:
    """Fill TOKEN_KEYS from instance/token_keys (one key a line) unless a setting gave them.

    TOKEN_KEYS_FILE then names the file, so that `keys rotate` knows where keys live.
    """
    config["TOKEN_KEYS_FILE"] = None
    if not config.get("TOKEN_KEYS"):
        path = Path(instance_path, TOKEN_KEYS_FILE)
        content = load_or_create(path, new_token_key, "token encryption key")
        config["TOKEN_KEYS"] = ",".join(read_keys(content))
        config["TOKEN_KEYS_FILE"] = str(path)


def read_keys(content: str) -> list[str]:
    """The keys of a token_keys file, first (encrypting) key first."""
    return [line.strip() for line in content.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def write_keys(path: Path, keys: list[str]) -> None:
    """Replace the key file atomically, still mode 0600."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("\n".join(keys) + "\n")
    os.replace(temporary, path)
