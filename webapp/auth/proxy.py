"""Sign-in by a trusted reverse proxy: a header naming the user, from a trusted address."""

from __future__ import annotations

import ipaddress
import logging

from flask import Flask, current_app, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.audit import record
from webapp.auth.service import USERNAME
from webapp.extensions import db
from webapp.models import User

log = logging.getLogger(__name__)


class ProxyTrust:
    """The header, the trusted networks and the admins, parsed once from the settings."""

    def __init__(self, header: str, proxies: str, admins: str) -> None:
        self.header = header.strip()
        self.networks = [ipaddress.ip_network(entry.strip(), strict=False)
                         for entry in proxies.split(",") if entry.strip()]
        self.admins = {name.strip() for name in admins.split(",") if name.strip()}

    @property
    def enabled(self) -> bool:
        """Whether a header and trusted proxies are both configured."""
        return bool(self.header and self.networks)

    def trusts(self, address: str | None) -> bool:
        """Whether the connection comes from a trusted proxy."""
        try:
            peer = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(peer in network for network in self.networks)


def init_app(app: Flask) -> None:
    """Parse the trusted-proxy settings once."""
    app.extensions["proxy_trust"] = ProxyTrust(app.config["TRUSTED_PROXY_HEADER"],
                                               app.config["TRUSTED_PROXIES"],
                                               app.config["ADMIN_USERS"])


def peer_address() -> str | None:
    """The address of whoever opened the connection, before ProxyFix rewrote it."""
    original = request.environ.get("werkzeug.proxy_fix.orig") or {}
    return original.get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR")


def proxy_user() -> User | None:
    """The user the trusted proxy names: made on first sight, its role kept to the admin list."""
    trust: ProxyTrust = current_app.extensions["proxy_trust"]
    if not trust.enabled:
        return None
    name = (request.headers.get(trust.header) or "").strip()
    if not name:
        return None
    peer = peer_address()
    if not trust.trusts(peer):
        log.warning("ignoring the %s header from %s: not a trusted proxy", trust.header, peer)
        return None
    if not USERNAME.fullmatch(name):
        log.warning("ignoring the %s header: %r is not a valid username", trust.header, name)
        return None
    user = db.session.scalar(select(User).where(User.username == name))
    if user is None:
        # One of the only two writes here (even on a GET): the first time the proxy names a
        # user, else the request could not be attributed to anyone.
        user = User(username=name, source="proxy",
                    role="admin" if name in trust.admins else "viewer")
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:  # a parallel first request made the same user: use that one
            db.session.rollback()
            return db.session.scalar(select(User).where(User.username == name))
        record("user_created", name, {"by": "trusted proxy", "role": user.role}, actor=name)
        return user
    # GITOPS_ADMIN_USERS decides the role of proxy users; it can only promote local ones.
    # The other write, only when the role differs: requests after the first change nothing.
    wanted = "admin" if name in trust.admins else (
        "viewer" if user.source == "proxy" else user.role)
    if user.role != wanted:
        user.role = wanted
        db.session.commit()
        record("role_changed", name, {"role": wanted, "by": "GITOPS_ADMIN_USERS"}, actor=name)
    return user
