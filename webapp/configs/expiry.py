"""Tokens about to stop working: every page warns admins from 14 days before, and /readyz
reports it, so that deploys do not start failing on a morning without notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import GitOpsConfig
from webapp.providers import KINDS

WARN_DAYS = 14


@dataclass(frozen=True)
class Expiring:
    """A saved configuration's token that expires soon (or has)."""

    kind: str
    label: str
    expires_at: datetime
    days_left: int  # negative once expired
    active: bool

    @property
    def expired(self) -> bool:
        """Whether the token no longer works."""
        return self.days_left < 0


def expiring_tokens(now: datetime | None = None) -> list[Expiring]:
    """Saved tokens that expire within WARN_DAYS days (or have expired), soonest first."""
    now = now or datetime.now(UTC)
    rows = db.session.execute(
        select(GitOpsConfig.kind, GitOpsConfig.token_expires_at, GitOpsConfig.active)
        .where(GitOpsConfig.token_expires_at.is_not(None),
               GitOpsConfig.token_expires_at <= now + timedelta(days=WARN_DAYS))
        .order_by(GitOpsConfig.token_expires_at))
    found = []
    for kind, expires_at, active in rows:
        if expires_at.tzinfo is None:  # SQLite hands back naive times (stored in UTC)
            expires_at = expires_at.replace(tzinfo=UTC)
        left = (expires_at - now).total_seconds()
        days = int(left // 86400) if left >= 0 else -1
        found.append(Expiring(kind, KINDS[kind].label, expires_at, days, active))
    return found
