"""Accounts and passwords, and the throttle on failed sign-ins."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.models import SignInFailure, User, utcnow

USERNAME = re.compile(r"[A-Za-z0-9._@+-]{1,150}")
MIN_PASSWORD = 12
MAX_DELAY_SECONDS = 15 * 60
# Rounds of judging and counting one attempt may lose to others before it is refused.
_COUNT_TRIES = 50
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
    # Cut to fit the key column: behind a misconfigured proxy the address is the client's.
    keys = [f"user:{username.lower()[:150]}", f"addr:{(address or 'unknown')[:150]}"]
    # Counted before the (slow) check, so parallel attempts cannot all slip under the limit.
    _count_attempt(keys)
    user = db.session.scalar(select(User).where(User.username == username,
                                                User.source == "local"))
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    db.session.execute(delete(SignInFailure).where(SignInFailure.key.in_(keys)))
    db.session.commit()
    return user


def known_username(username: str) -> str:
    """The username if such an account exists; else a fixed stand-in, never what was typed."""
    # What was typed into the username field is sometimes the password: keep it out of logs.
    exists = db.session.scalar(select(func.count()).select_from(User)
                               .where(User.username == username))
    return username if exists else "unknown user"


def _count_attempt(keys: list[str]) -> None:
    """Count one attempt as a failure on every key, or Throttled (and count nothing)."""
    # Each key's row moves only from the state the wait was judged on (compare and swap),
    # all keys in one transaction: when another attempt got in between, judge it again.
    for _ in range(_COUNT_TRIES):
        seen = _failures(keys)
        wait = _wait_seconds(seen.values())
        if wait:
            raise Throttled(wait)
        if _swap(keys, seen):
            return
    raise Throttled(1)  # that many attempts at once: an attack, not a user


def _failures(keys: list[str]) -> dict[str, tuple[int, datetime]]:
    """(failures, last failure) of the keys that have a row, read afresh from the database."""
    rows = db.session.execute(select(SignInFailure.key, SignInFailure.failures,
                                     SignInFailure.last_failure_at)
                              .where(SignInFailure.key.in_(keys)))
    return {key: (failures, last) for key, failures, last in rows}


def _swap(keys: list[str], seen: dict[str, tuple[int, datetime]]) -> bool:
    """Add one failure to each key if none changed since seen; whether that happened."""
    now = utcnow()
    try:
        for key in keys:
            if key not in seen:
                db.session.execute(insert(SignInFailure).values(key=key, failures=1,
                                                                last_failure_at=now))
                continue
            failures, last = seen[key]
            moved = db.session.execute(
                update(SignInFailure)
                .where(SignInFailure.key == key, SignInFailure.failures == failures,
                       SignInFailure.last_failure_at == last)
                .values(failures=failures + 1, last_failure_at=now))
            if moved.rowcount != 1:
                db.session.rollback()
                return False
        db.session.commit()
    except (IntegrityError, OperationalError):  # another attempt got in first, or busy
        db.session.rollback()
        return False
    return True


def _wait_seconds(records: Iterable[tuple[int, datetime]]) -> int:
    """Seconds until the next attempt is allowed for the most-failed of records."""
    limit = current_app.config["SIGN_IN_FAILURE_LIMIT"]
    base = current_app.config["SIGN_IN_DELAY_SECONDS"]
    now = utcnow()
    longest = 0
    for failures, last in records:
        if failures < limit:
            continue
        delay = min(MAX_DELAY_SECONDS, base * 2 ** (failures - limit))
        if last.tzinfo is None:  # SQLite hands back naive timestamps (stored in UTC)
            last = last.replace(tzinfo=now.tzinfo)
        remaining = (last + timedelta(seconds=delay) - now).total_seconds()
        longest = max(longest, int(remaining) + 1 if remaining > 0 else 0)
    return longest
