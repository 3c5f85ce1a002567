"""Who a request or socket comes from, and over what, as the proxies in
front vouch.

uvicorn runs with --no-proxy-headers (manage.py serve): its own reading,
with the --forwarded-allow-ips='*' a platform needs, reports the leftmost
X-Forwarded-For entry, which any client may write. Here PROXY_COUNT says
how many proxies in front append to X-Forwarded-For; the entry that far
from the right is the one they vouch for. With none (the default) the
address is the connection's own, whatever a header claims, so limits and
bans count what nobody can forge.

X-Forwarded-Proto is trusted as Django's SECURE_PROXY_SSL_HEADER is: a
platform's router sets it, and a client that claims https fools only
itself (its browser's Origin would not match).
"""

from django.conf import settings

FORWARDED_FOR = b"x-forwarded-for"
FORWARDED_PROTO = b"x-forwarded-proto"
SECURE = {"http": "https", "websocket": "wss"}


class TrustedProxies:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] in SECURE:
            scope = dict(scope)
            if forwarded_proto(scope["headers"]) == "https":
                scope["scheme"] = SECURE[scope["type"]]
            address = vouched_address(scope["headers"])
            if address is not None:
                scope["client"] = (address, 0)
        return await self.application(scope, receive, send)


def forwarded_proto(headers):
    values = [value for name, value in headers if name == FORWARDED_PROTO]
    # The last proxy's word: the one nearest to us.
    return values[-1].decode("latin1").rsplit(",", 1)[-1].strip() if values else ""


def vouched_address(headers):
    """Return the address the PROXY_COUNT proxies in front saw, or None to
    keep the connection's own."""
    proxies = settings.PROXY_COUNT
    if not proxies:
        return None
    forwarded_for = b",".join(value for name, value in headers if name == FORWARDED_FOR)
    entries = [
        entry.strip()
        for entry in forwarded_for.decode("latin1").split(",")
        if entry.strip()
    ]
    # Fewer entries than proxies: the request skipped a proxy; its peer is
    # the best we know.
    return entries[-proxies] if len(entries) >= proxies else None
