"""Requests the server makes to addresses its users gave it (push
services, bots' webhooks): only to the public internet, so nobody can
point the server at its own private network."""

import ipaddress
import socket
import urllib.parse


def may_request(url, *, allow_private=False):
    """Whether the server may POST to url: http(s) with a host, on public
    addresses only (https only then), unless allow_private (tests)."""
    parts = urllib.parse.urlsplit(url)
    if allow_private:
        return parts.scheme in ("https", "http") and bool(parts.hostname)
    if parts.scheme != "https" or not parts.hostname:
        return False
    try:
        addresses = socket.getaddrinfo(parts.hostname, parts.port or 443)
    except (OSError, UnicodeError, ValueError):
        return False
    return all(ipaddress.ip_address(a[4][0]).is_global for a in addresses)
