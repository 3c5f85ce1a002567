"""The address a sign-in comes from, as far as the proxies in front vouch
(site_config/proxies.py put it in the request's or socket's scope)."""

import ipaddress


def of_request(request):
    return _address(request.META.get("REMOTE_ADDR"))


def of_scope(scope):
    client = scope.get("client")
    return _address(client[0] if client else None)


def _address(text):
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return "unknown"  # nothing an address counter can tell apart
