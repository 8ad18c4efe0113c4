"""API tokens: made by an admin, shown once, stored as a hash, checked on every API call.

A token reads `gco_<public id>_<secret>`. The public id finds its row without revealing
anything; the secret's SHA-256 is all that is stored. Secrets are 256 random bits, so a
fast hash is as safe as a slow one and keeps every API call cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp import log_redaction
from webapp.audit import record
from webapp.extensions import db
from webapp.models import ApiToken, utcnow

PREFIX = "gco"
TOKEN_SHAPE = re.compile(rf"{PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}")
ROLES = ("admin", "viewer")


class TokenError(Exception):
    """A token that cannot be made: the message says what to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class TokenRefused(Exception):
    """A presented token that opens nothing; reason is for the audit log, never the secret."""

    def __init__(self, reason: str, token: ApiToken | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.token = token


@dataclass(frozen=True)
class NewToken:
    """A token just made: its row, and the secret to show this once."""

    token: ApiToken
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(name: str, role: str, expires_at: datetime | None, actor: str | None) -> NewToken:
    """A new token; TokenError when the name is taken or the input unusable."""
    name = (name or "").strip()
    if not NAME.fullmatch(name):
        raise TokenError("name", "Use 1 to 100 letters, digits, spaces and . _ - for the name, "
                                 "starting with a letter or digit.")
    if role not in ROLES:
        raise TokenError("role", "The role is admin or viewer.")
    if expires_at is not None and expires_at <= utcnow():
        raise TokenError("expires_at", "Choose an expiry date in the future, or none.")
    public_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    token = ApiToken(name=name, public_id=public_id, secret_hash=_digest(secret), role=role,
                     created_by=actor, expires_at=expires_at)
    db.session.add(token)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise TokenError("name", f"A token named {name} already exists.") from None
    plain = f"{PREFIX}_{public_id}_{secret}"
    log_redaction.remember(plain)
    record("api_token_created", name, {"role": role,
                                       "expires_at": expires_at.isoformat() if expires_at
                                       else None}, actor=actor)
    return NewToken(token, plain)


def revoke(token_id: int, actor: str | None) -> ApiToken | None:
    """Revoke a token at once; None when there is no such token."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
        record("api_token_revoked", token.name, actor=actor)
    return token


def all_tokens() -> list[ApiToken]:
    """Every token, newest first (revoked ones included, for the record)."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def authenticate(presented: str) -> ApiToken:
    """The live token presented, or TokenRefused saying why (malformed, unknown, wrong…)."""
    match = TOKEN_SHAPE.fullmatch(presented.strip())
    if match is None:
        raise TokenRefused("malformed")
    public_id, secret = match.groups()
    token = db.session.scalar(select(ApiToken).where(ApiToken.public_id == public_id))
    if token is None:
        raise TokenRefused("unknown")
    if not hmac.compare_digest(_digest(secret), token.secret_hash):
        raise TokenRefused("wrong secret", token)
    if token.revoked_at is not None:
        raise TokenRefused("revoked", token)
    if token.expires_at is not None and _aware(token.expires_at) <= utcnow():
        raise TokenRefused("expired", token)
    log_redaction.remember(presented.strip())
    return token


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive timestamps (stored in UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)
