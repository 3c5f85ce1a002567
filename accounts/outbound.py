"""Requests the server makes to addresses its users gave it (push
services, bots' webhooks): only to the public internet, so nobody can
point the server at its own private network. Here, not among the rooms'
sweeps that send them: a bot's webhook URL is checked where a bot is made.

may_request() refuses a URL early, with a reason a person can be told.
session() is the only way such a request is sent: its connections check
the addresses a host resolves to and connect to the one they checked, so
a name that answers a public address first and a private one next (DNS
rebinding) gains nothing; and it never follows a redirect, which could
point anywhere.
"""

import ipaddress
import socket
import urllib.parse

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util.connection import create_connection

# IPv6 prefixes that carry an IPv4 address in their last 32 bits: the
# IPv4-compatible ::a.b.c.d (Python counts ::127.0.0.1 as global) and
# NAT64's 64:ff9b::a.b.c.d.
CARRY_IPV4 = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96"))


def may_request(url, *, allow_private=False):
    """Whether the server may POST to url: http(s) with a host, on public
    addresses only (https only then), unless allow_private (tests)."""
    parts = urllib.parse.urlsplit(url)
    if allow_private:
        return parts.scheme in ("https", "http") and bool(parts.hostname)
    if parts.scheme != "https" or not parts.hostname:
        return False
    try:
        return public_address(parts.hostname, parts.port or 443) is not None
    except (OSError, UnicodeError, ValueError):
        return False


def public_address(host, port):
    """Return an address of host to connect to, if every address it
    resolves to is public; None otherwise. OSError if it resolves to none."""
    addresses = [info[4][0] for info in socket.getaddrinfo(host, port)]
    if not all(is_public(address) for address in addresses):
        return None
    return addresses[0]


def is_public(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6:
        if ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        elif any(ip in network for network in CARRY_IPV4):
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.is_global and not ip.is_multicast


class PublicOnly:
    """A urllib3 connection that connects only to the public address of its
    host that it checked, never to one a second lookup gives."""

    def _new_conn(self):
        try:
            address = public_address(self.host, self.port)
        except OSError as error:
            message = f"{self.host} did not resolve: {error}"
            raise NewConnectionError(self, message) from error
        if address is None:
            raise NewConnectionError(self, f"{self.host} is not on the public internet")
        try:
            return create_connection(
                (address, self.port),
                self.timeout,
                source_address=self.source_address,
                socket_options=self.socket_options,
            )
        except OSError as error:
            raise NewConnectionError(self, f"Could not connect: {error}") from error


class PublicHTTPConnection(PublicOnly, HTTPConnection):
    pass


class PublicHTTPSConnection(PublicOnly, HTTPSConnection):
    pass


class PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = PublicHTTPConnection


class PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = PublicHTTPSConnection


class PublicAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": PublicHTTPPool,
            "https": PublicHTTPSPool,
        }


class NoRedirects(requests.Session):
    def request(self, *args, **kwargs):
        return super().request(*args, **{**kwargs, "allow_redirects": False})


def session(*, allow_private=False):
    """Return a requests session for URLs users gave: public addresses
    only (unless allow_private, for tests), no redirects, no proxies from
    the environment (a proxy would resolve the host itself)."""
    checked = NoRedirects()
    checked.trust_env = False
    if not allow_private:
        checked.mount("http://", PublicAdapter())
        checked.mount("https://", PublicAdapter())
    return checked
