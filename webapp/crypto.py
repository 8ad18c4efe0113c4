"""Encryption of stored secrets (provider tokens) with a list of Fernet keys.

The first key encrypts; every key decrypts, so a new key can be put in front and
the old ones kept until every secret has been re-encrypted (see README, "Keys").
"""

import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app

from webapp import log_redaction
from webapp.configure import ConfigError

UNDECRYPTABLE_MESSAGE = ("the saved token cannot be decrypted with the configured keys; "
                         "enter it again")


class UndecryptableSecret(Exception):
    """A stored ciphertext that none of the configured keys opens."""

    def __init__(self) -> None:
        super().__init__(UNDECRYPTABLE_MESSAGE)


class SecretBox:
    """Encrypts and decrypts strings with a MultiFernet built once from the configured keys."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ConfigError("GITOPS_TOKEN_KEYS is empty: give at least one Fernet key")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                raise ConfigError(
                    f"GITOPS_TOKEN_KEYS: key number {position} is not a Fernet key (32 url-safe "
                    "base64-encoded bytes; make one with `python -c \"from cryptography.fernet "
                    "import Fernet; print(Fernet.generate_key().decode())\"`)") from None
        self._multi = MultiFernet(fernets)
        # ciphertext -> whether a key opens it: the settings page asks on every render, and
        # the answer only changes with the keys (a new SecretBox).
        self._opens: dict[str, bool] = {}

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext of plaintext under the first key."""
        log_redaction.remember(plaintext)
        return self._multi.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """Plaintext of ciphertext, or UndecryptableSecret when no key opens it."""
        try:
            plaintext = self._multi.decrypt(ciphertext.encode()).decode()
        except (InvalidToken, ValueError, TypeError):
            raise UndecryptableSecret() from None
        log_redaction.remember(plaintext)
        return plaintext

    def can_decrypt(self, ciphertext: str) -> bool:
        """Whether some configured key opens ciphertext (decrypted once per ciphertext)."""
        known = self._opens.get(ciphertext)
        if known is None:
            try:
                self.decrypt(ciphertext)
                known = True
            except UndecryptableSecret:
                known = False
            if len(self._opens) > 1024:
                self._opens.clear()
            self._opens[ciphertext] = known
        return known

    def rotate(self, ciphertext: str) -> str:
        """The same secret re-encrypted under the first key."""
        try:
            return self._multi.rotate(ciphertext.encode()).decode()
        except (InvalidToken, ValueError, TypeError):
            raise UndecryptableSecret() from None


def parse_keys(setting: str) -> list[str]:
    """The keys of a comma-separated TOKEN_KEYS setting, in order."""
    return [key.strip() for key in setting.split(",") if key.strip()]


def init_app(app: Flask) -> None:
    """Build the app's SecretBox once from TOKEN_KEYS."""
    app.extensions["secret_box"] = SecretBox(parse_keys(app.config["TOKEN_KEYS"]))
    app.extensions["secret_box_loaded"] = _mtime(app.config.get("TOKEN_KEYS_FILE"))


def secret_box() -> SecretBox:
    """The current app's SecretBox, rebuilt when `keys rotate` rewrote the key file.

    Running workers thus pick up a new key without a restart; a stat per call is all the
    check costs.
    """
    app = current_app
    path = app.config.get("TOKEN_KEYS_FILE")
    if path:
        modified = _mtime(path)
        if modified != app.extensions["secret_box_loaded"]:
            from webapp.instance_keys import read_keys
            with open(path) as handle:
                app.extensions["secret_box"] = SecretBox(read_keys(handle.read()))
            app.extensions["secret_box_loaded"] = modified
    return app.extensions["secret_box"]


def _mtime(path: str | None) -> int | None:
    try:
        return os.stat(path).st_mtime_ns if path else None
    except OSError:
        return None
