import logging
import re
from importlib import import_module

from channels.auth import AuthMiddleware, get_user
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import cached_property

from accounts import languages, limits
from rooms import metrics

# Close codes hx-ws never retries (it retries 1006, so refusing the
# handshake itself would make the browser knock forever).
CLOSE_NO_ROOM = 4404
CLOSE_SIGNED_OUT = 4401
CLOSE_MEMBERS_ONLY = 4403
CLOSE_TOO_MANY = 4429

SessionStore = import_module(settings.SESSION_ENGINE).SessionStore

LONE_SURROGATE = re.compile("[\ud800-\udfff]")

logger = logging.getLogger(__name__)

# Sent with person (a user id, None for a visitor) once a socket knows who
# it is, and with room (a slug) once it knows where, so that the site's
# log lines can name them (site_config/asgi.py connects it).
socket_identified = Signal()


def text(frame, key):
    """Return frame[key] if it is a string; hostile frames send anything."""
    value = frame.get(key)
    if not isinstance(value, str):
        return ""
    # JSON may carry lone surrogates ("\ud800"), which no database can
    # store. Replace them as a browser does when it posts a form.
    return LONE_SURROGATE.sub("\ufffd", value)


class UserAfterHandshake(AuthMiddleware):
    """Channels' AuthMiddleware, less its read of the user before the handshake.

    scope["user"] stays unread (touching it raises) until Consumer.accept
    reads it, once the socket is open.
    """

    async def resolve_scope(self, scope):
        pass


class Consumer(AsyncWebsocketConsumer):
    """A websocket consumer that opens before it reads the database, handles
    a frame without a thread hop first, and keeps no more of the handshake
    than it reads.

    Channels sends each socket to its one sync thread twice before the
    consumer may accept: AuthMiddleware reads the session and the user, then
    dispatch closes stale database connections (aclose_old_connections). In
    a reconnect storm each handshake would wait there behind everyone's
    reads, holding its request meanwhile. Dispatch also hops before every
    frame.

    Consumers here query only through db.run and Channels'
    database_sync_to_async, which close connections around each call, in
    the thread that queries; so the connect and the frames skip the hop.
    """

    async def dispatch(self, message):
        # What the socket draws for itself, in its page's language.
        with translation.override(self.language):
            await self._dispatch(message)

    async def _dispatch(self, message):
        if message["type"] == "websocket.connect":
            await self.websocket_connect(message)
        elif message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        elif hasattr(self, get_handler_name(message)):
            await super().dispatch(message)
        else:
            # From a newer release beside this one on the same Redis, during
            # a rolling deploy: Channels would raise and close the socket.
            logger.warning(
                "Ignoring an event this release does not know: %s", message["type"]
            )

    @cached_property
    def language(self):
        """Read at connect, before the handshake's headers are dropped."""
        return languages.of_socket(self.scope)

    # The kind of socket, for the metrics and logs: "room", "lobby".
    @property
    def kind(self):
        return type(self).__name__.removesuffix("Consumer").lower()

    # Whether the socket counts among the open ones (rooms/metrics.py).
    opened = False

    async def accept(self, subprotocol=None, headers=None):
        await super().accept(subprotocol, headers)
        metrics.socket_opened(self.kind)
        self.opened = True
        # Who this is, read once the socket is open (UserAfterHandshake).
        # In Channels' one sync thread on purpose: in the pool, the reads
        # contend with the handshakes still coming, and a storm of
        # connects settles slower.
        self.scope["user"]._wrapped = await get_user(self.scope)
        socket_identified.send(type(self), person=self.scope["user"].pk)

    async def still_signed_in(self):
        """Read the session again, once this socket is in its person's group.

        The event that ends a session is sent after it ended; one sent while
        this socket was connecting, before it joined, went past it.
        """
        session_key = self.scope["session"].session_key
        fresh = {"session": SessionStore(session_key)}
        return (await get_user(fresh)).pk == self.user.pk

    # What limits.sockets counts for this socket while it is open.
    counted = None

    async def websocket_connect(self, message):
        self.counted = limits.sockets.admit(self.scope)
        if self.counted is None:
            await self.accept()
            context = {"reason": "too-many-sockets"}
            await self.send(
                text_data=render_to_string("rooms/room.html#refusal", context)
            )
            await self.close(code=CLOSE_TOO_MANY, reason="Too many open tabs")
            return
        await super().websocket_connect(message)
        # Nothing reads the handshake's headers after connect, and a
        # browser sends them by the kilobyte. In place: the server and every
        # middleware's copy of the scope share the one list.
        self.scope["headers"].clear()

    async def websocket_disconnect(self, message):
        if self.opened:
            metrics.socket_closed(self.kind)
            self.opened = False
        if self.counted is not None:
            limits.sockets.release(self.counted)
            self.counted = None
        await super().websocket_disconnect(message)

    @property
    def user(self):
        return self.scope["user"]
