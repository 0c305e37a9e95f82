"""Which hosts a pull may reach: a form server, never this machine or its cloud.

A pull names its server, so whoever manages a project could otherwise point one at an
address only the server itself can reach (its loopback, a cloud's metadata service on
169.254.169.254) and read the answer on the source's page. So:

- **always refused**: loopback, link-local (169.254.0.0/16, fe80::/10: the metadata
  services live there), multicast, unspecified, reserved and broadcast addresses, and
  the metadata addresses that sit elsewhere (Alibaba's 100.100.100.200, AWS's IPv6
  fd00:ec2::254); an IPv6 address that carries an IPv4 one (mapped, 6to4, Teredo) is
  judged by that one too;
- **private ranges** (10/8, 172.16/12, 192.168/16, fc00::/7, carrier-grade NAT…):
  refused unless ``RESPONSEMAP_PULL_ALLOW_PRIVATE_HOSTS`` is on — a field server on an
  office LAN is legitimate where the installation runs on that LAN;
- ``RESPONSEMAP_PULL_ALLOWED_NETWORKS`` (addresses or networks, ``10.2.0.0/16``):
  allowed whatever they are, for an operator's own exception (and the tests' stand-in
  server on 127.0.0.1).

The check is made on every address the name resolves to, before each request
(``check_url``: the connection form says so at once, a pull stops with
``forbidden_host`` and fetches nothing), and again on the address each connection
actually reached (``guard``), so a name that resolves elsewhere the second time (DNS
rebinding) is refused as well. Redirects are never followed (``clients.FormServer``).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

FORBIDDEN = "forbidden_host"
METADATA = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack… (link-local)
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata (link-local)
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
}


class ForbiddenHost(Exception):
    """The server's address is one a pull may not reach (``code``: ``FORBIDDEN``)."""

    code = FORBIDDEN


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    names = getattr(settings, "RESPONSEMAP_PULL_ALLOWED_NETWORKS", []) or []
    return [ipaddress.ip_network(str(n).strip(), strict=False) for n in names if str(n).strip()]


def address_allowed(address: Address) -> bool:
    """May a pull connect to ``address``?"""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        else:
            # 6to4 and Teredo carry an IPv4 address they lead to: judged by it too.
            inner = [address.sixtofour, *(address.teredo or ())]
            if any(v4 is not None and not address_allowed(v4) for v4 in inner):
                return False
    if any(address in network for network in _allowed_networks()):
        return True
    if (
        address in METADATA
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or address == ipaddress.IPv4Address("255.255.255.255")
    ):
        return False
    if address.is_global:
        return True
    return bool(getattr(settings, "RESPONSEMAP_PULL_ALLOW_PRIVATE_HOSTS", False))


def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to; an address literal is itself. OSError when
    the name does not resolve."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]


def check_url(url: str) -> None:
    """Raise ``ForbiddenHost`` unless every address of ``url``'s host is allowed;
    OSError when the name does not resolve (the caller says "unreachable")."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port out of range or not a number: nothing to connect to
        raise ForbiddenHost() from None
    if not host:
        raise ForbiddenHost()
    addresses = resolve(host, port)
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise ForbiddenHost()


def _check_peer(sock: socket.socket) -> None:
    peer = sock.getpeername()[0]
    if not address_allowed(ipaddress.ip_address(str(peer).split("%", 1)[0])):
        sock.close()
        raise ForbiddenHost()


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        if not self.proxy:  # through a proxy, the name was checked before the request
            _check_peer(sock)
        return sock


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        if not self.proxy:
            _check_peer(sock)
        return sock


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """Requests' adapter whose connections check the address they reached."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


def guard(session: requests.Session) -> requests.Session:
    """``session`` with every connection checked (``address_allowed``)."""
    session.mount("http://", GuardedAdapter())
    session.mount("https://", GuardedAdapter())
    return session
