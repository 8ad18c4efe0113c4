"""Refusing provider hosts on loopback, link-local or private addresses.

Unless GITOPS_ALLOW_PRIVATE_HOSTS is set, the settings page must not become a way to
reach the server's own network. The form checks a host when it is entered; the HTTP seam
checks again at every new connection and connects to the very address it checked, so a
name that resolves elsewhere later (DNS rebinding) gets nowhere either. A proxy set in
HTTPS_PROXY is the administrator's choice and is not checked.
"""

from __future__ import annotations

import ipaddress
import socket

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

PRIVATE_HOST_HINT = ("A provider on your own network (a self-managed GitLab, say) is allowed "
                     "once GITOPS_ALLOW_PRIVATE_HOSTS is set.")


class PrivateAddress(OSError):
    """The host resolves to an address this installation does not connect to."""


def is_private(address: str) -> bool:
    """Loopback, link-local, private, reserved, multicast or unspecified."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved
            or ip.is_multicast or ip.is_unspecified)


def private_address_of(host: str, port: int = 443) -> str | None:
    """The first private address host resolves to; None if none (or it does not resolve)."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:  # an address, not a name: nothing to resolve
        return str(literal) if is_private(str(literal)) else None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return None
    return next((info[4][0] for info in infos if is_private(info[4][0])), None)


def public_address(host: str, port: int) -> str:
    """A public address of host to connect to, or PrivateAddress."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [info[4][0] for info in infos]
    private = next((address for address in addresses if is_private(address)), None)
    if private is not None:
        raise PrivateAddress(f"{host} resolves to the private address {private}")
    return addresses[0]


class _CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self):
        self._dns_host = public_address(self._dns_host, self.port)
        return super()._new_conn()


class _CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self):
        # Only the address changes: SNI and the certificate check still use the name.
        self._dns_host = public_address(self._dns_host, self.port)
        return super()._new_conn()


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class PublicHostsAdapter(HTTPAdapter):
    """A requests adapter whose connections go to public addresses only."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool,
                                                   "https": _CheckedHTTPSPool}
