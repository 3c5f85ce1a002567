"""The address a sign-in comes from, as far as the proxies in front vouch."""

import ipaddress

from django.conf import settings

FORWARDED_FOR = b"x-forwarded-for"


def of_request(request):
    meta = request.META
    return _vouched(meta.get("HTTP_X_FORWARDED_FOR", ""), meta.get("REMOTE_ADDR"))


def of_scope(scope):
    forwarded_for = b",".join(
        value for name, value in scope["headers"] if name == FORWARDED_FOR
    )
    client = scope.get("client")
    return _vouched(forwarded_for.decode("latin1"), client[0] if client else None)


def keep_only_its_headers(scope):
    """Drop every header of a socket's scope but those of_scope reads.

    In place: the server and every middleware's copy of the scope share the
    one list, and keep it for the socket's life.
    """
    headers = scope["headers"]
    headers[:] = [header for header in headers if header[0] == FORWARDED_FOR]


def _vouched(forwarded_for, peer):
    # With --forwarded-allow-ips='*' (the Procfile) uvicorn reports the
    # leftmost X-Forwarded-For entry, which the client may write itself.
    # Each proxy appends the address it saw, so with PROXY_COUNT proxies in
    # front, the entry that far from the right is the one they vouch for.
    entries = [entry.strip() for entry in forwarded_for.split(",") if entry.strip()]
    proxies = settings.PROXY_COUNT
    address = entries[-proxies] if proxies and len(entries) >= proxies else peer
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return "unknown"  # nothing an address counter can tell apart
