"""ASGI entry point: Django for HTTP, Channels for the room sockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
# Django's app must load before anything that imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402
from sentry_sdk.integrations.asgi import SentryAsgiMiddleware  # noqa: E402

from rooms.live.consumers.base import (  # noqa: E402
    UserAfterHandshake,
    socket_identified,
)
from rooms.routing import websocket_urlpatterns  # noqa: E402
from site_config.hang_up import HoldDisconnectUntilResponse  # noqa: E402
from site_config.lifespan import lifespan  # noqa: E402
from site_config.logs import RequestId, name_socket  # noqa: E402
from site_config.origin import SameOriginValidator  # noqa: E402
from site_config.proxies import TrustedProxies  # noqa: E402
from site_config.websocket import ServerSendInScope  # noqa: E402

# A socket's log lines name its person and room, once it knows them.
socket_identified.connect(name_socket)

sockets = SameOriginValidator(
    CookieMiddleware(
        SessionMiddleware(UserAfterHandshake(URLRouter(websocket_urlpatterns)))
    )
)
if settings.SENTRY_DSN:
    # A consumer's exception ends its socket without a response for
    # Django's integration to see. Inside ServerSendInScope, which must
    # see the server's own send.
    sockets = SentryAsgiMiddleware(sockets)

# First, an id for each request and socket that its log lines carry
# (site_config/logs.py). Then both: the address and scheme the proxies in
# front vouch for (site_config/proxies.py). HTTP: Django, which sees a
# client's hang-up only once the response has started
# (site_config/hang_up.py). Websockets: SameOriginValidator refuses
# sockets opened by other sites' pages (and this site's over another
# scheme or port) with this site's cookies. Then Channels'
# AuthMiddlewareStack, less the user's read before the handshake:
# consumers read it once the socket is open.
application = RequestId(
    TrustedProxies(
        ProtocolTypeRouter(
            {
                "http": HoldDisconnectUntilResponse(django_asgi_app),
                "lifespan": lifespan,
                "websocket": ServerSendInScope(sockets),
            }
        )
    )
)
