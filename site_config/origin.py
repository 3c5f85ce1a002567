"""Open a room socket only for this site's own pages.

A browser sends every page's cookies with a socket it opens to this site,
from any page; what it cannot forge is the page's Origin. The rule is
Django's CSRF origin check: the Origin must be the request's own (its
scheme, as the proxy reported it, host and port), on a host ALLOWED_HOSTS
names, or one of CSRF_TRUSTED_ORIGINS. So an http:// page may not open a
socket to the https:// site, nor a page on another port.
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain


class SameOriginValidator:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if self.allows(scope):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)

    def allows(self, scope):
        headers = dict(scope["headers"])
        origin = headers.get(b"origin", b"").decode("latin1")
        host = headers.get(b"host", b"").decode("latin1")
        domain, _ = split_domain_port(host)
        if not origin or not domain or not validate_host(domain, allowed_hosts()):
            return False
        # site_config/proxies.py turns X-Forwarded-Proto: https into wss.
        scheme = "https" if scope.get("scheme") == "wss" else "http"
        return origin == f"{scheme}://{host}" or is_trusted(origin)


def allowed_hosts():
    # As Django's HttpRequest.get_host: with DEBUG and none set, localhost.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return settings.ALLOWED_HOSTS


def is_trusted(origin):
    """Return whether CSRF_TRUSTED_ORIGINS names origin, exactly or by wildcard."""
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:  # "https://[::1", say
        return False
    return any(
        # "https://*.example.com": the scheme exactly, any subdomain.
        urlsplit(trusted).scheme == parsed.scheme
        and is_same_domain(parsed.netloc, urlsplit(trusted).netloc.lstrip("*"))
        for trusted in settings.CSRF_TRUSTED_ORIGINS
        if "*" in trusted
    )
