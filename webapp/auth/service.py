"""Accounts and passwords, and the throttle on failed sign-ins."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.models import SignInFailure, User, utcnow

USERNAME = re.compile(r"[A-Za-z0-9._@+-]{1,150}")
MIN_PASSWORD = 12
MAX_DELAY_SECONDS = 15 * 60
# Checked against when the account does not exist, so that a wrong username takes as long
# to refuse as a wrong password (no way to tell which accounts exist).
_DUMMY_HASH = generate_password_hash("not a password of anyone", method="scrypt")


class AccountError(Exception):
    """A username or password that cannot be used; the message says what to change."""


class Throttled(Exception):
    """Too many failed sign-ins: wait this many seconds."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def check_username(username: str) -> str:
    """The username, or AccountError saying what is wrong with it."""
    if not USERNAME.fullmatch(username or ""):
        raise AccountError("Use 1 to 150 letters, digits and . _ @ + - for the username.")
    return username


def check_password(password: str) -> str:
    """The password, or AccountError saying what is wrong with it."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"Use a password of at least {MIN_PASSWORD} characters.")
    return password


def create_user(username: str, password: str | None, role: str = "viewer",
                source: str = "local") -> User:
    """A new account; AccountError if the name is taken or the password too weak."""
    check_username(username)
    if role not in ("admin", "viewer"):
        raise AccountError("The role is admin or viewer.")
    user = User(username=username, role=role, source=source,
                password_hash=generate_password_hash(check_password(password), method="scrypt")
                if password is not None else None)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError(f"A user named {username} already exists.") from None
    return user


def set_password(user: User, password: str) -> None:
    """Change a password; every session signed in with the old one ends."""
    user.password_hash = generate_password_hash(check_password(password), method="scrypt")
    user.session_epoch += 1
    db.session.commit()


def user_count() -> int:
    """How many accounts exist."""
    return db.session.scalar(select(func.count()).select_from(User))


def authenticate(username: str, password: str, address: str | None) -> User | None:
    """The local account these credentials open, or None; Throttled while waiting."""
    keys = [f"user:{username.lower()[:150]}", f"addr:{address or 'unknown'}"]
    wait = _wait_seconds(keys)
    if wait:
        raise Throttled(wait)
    user = db.session.scalar(select(User).where(User.username == username,
                                                User.source == "local"))
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        _record_failure(keys)
        return None
    if not check_password_hash(user.password_hash, password):
        _record_failure(keys)
        return None
    db.session.execute(delete(SignInFailure).where(SignInFailure.key.in_(keys)))
    db.session.commit()
    return user


def _wait_seconds(keys: list[str]) -> int:
    """Seconds until the next attempt is allowed for the most-failed of keys."""
    limit = current_app.config["SIGN_IN_FAILURE_LIMIT"]
    base = current_app.config["SIGN_IN_DELAY_SECONDS"]
    now = utcnow()
    longest = 0
    for record in db.session.scalars(select(SignInFailure).where(SignInFailure.key.in_(keys))):
        if record.failures < limit:
            continue
        delay = min(MAX_DELAY_SECONDS, base * 2 ** (record.failures - limit))
        last = record.last_failure_at
        if last.tzinfo is None:  # SQLite hands back naive timestamps (stored in UTC)
            last = last.replace(tzinfo=now.tzinfo)
        remaining = (last + timedelta(seconds=delay) - now).total_seconds()
        longest = max(longest, int(remaining) + 1 if remaining > 0 else 0)
    return longest


def _record_failure(keys: list[str]) -> None:
    for key in keys:
        record = db.session.get(SignInFailure, key)
        if record is None:
            db.session.add(SignInFailure(key=key, failures=1, last_failure_at=utcnow()))
        else:
            record.failures += 1
            record.last_failure_at = utcnow()
    db.session.commit()
