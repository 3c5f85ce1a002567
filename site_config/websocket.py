"""uvicorn's websocket protocol, made to drop a client that stops reading
and to send a broadcast's frame as built once for all its sockets.

uvicorn waits for a paused transport to drain before every send, and its
keepalive timeout calls transport.close(), which also waits for the buffer
to drain. A client that stops reading (a frozen tab, a dead network path
that still holds the connection) therefore blocks its consumer forever while
the channel layer queues everything sent to it. Here a send that cannot go
out within WEBSOCKET_SEND_TIMEOUT_SECONDS aborts the connection instead: the
consumer is told as for any disconnect and cleans up, and the browser sees
an abnormal close (1006), which hx-ws retries, catching up on reconnect.
"""

import asyncio
import logging

from django.conf import settings
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.protocols.websockets.websockets_sansio_impl import (
    WebSocketsSansIOProtocol,
)
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.protocol import State

logger = logging.getLogger(__name__)
# uvicorn's lines for every socket: accepted, open, closed (settings.LOGGING).
connections_logger = logging.getLogger(f"{__name__}.connections")

# Every message compressed on its own (server_no_context_takeover), so a
# frame's bytes are the same for every socket that negotiated the same
# window, and a broadcast is compressed once per room, not once per socket
# (PreparedText); an idle socket keeps no compressor either. The price is
# size: a message no longer refers to the one before, so it compresses
# several times less. uvicorn's memLevel 5: as small as zlib's default 8
# for chat fragments, and a compressor made for each message costs less.
# The browser compresses each frame on its own too: its frames are small
# and few, and an idle socket keeps no decompressor.
PER_MESSAGE_DEFLATE = ServerPerMessageDeflateFactory(
    server_no_context_takeover=True,
    server_max_window_bits=12,
    client_no_context_takeover=True,
    client_max_window_bits=12,
    compress_settings={"memLevel": 5},
)


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Three INFO lines a socket are noise in a reconnect storm, and each
        # walks the stack for its caller, a visible share of a connect's
        # CPU. Errors and warnings still show.
        self.logger = self.conn.logger = connections_logger
        if self.config.ws_per_message_deflate:
            self.conn.available_extensions = [PER_MESSAGE_DEFLATE]

    async def send(self, message):
        if self.close_sent and message["type"] == "websocket.close":
            return  # two reasons to close crossed (a sign-out, an account gone)
        self.raise_if_closed(message)
        if not self.writable.is_set():
            await self.wait_until_writable()
            self.raise_if_closed(message)  # the close may have gone first
        prepared = message.get("prepared")
        if prepared is not None and self.send_prepared_now(prepared):
            return
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # The handshake's request and response, headers and all, would
            # stay for the socket's life, and nothing reads them again:
            # uvicorn keeps both, and websockets' parser keeps the request
            # in a local of its generator.
            self.request.headers.clear()
            self.request = self.response = None

    def send_prepared_now(self, prepared):
        """Write a PreparedText's frame (rooms/live/frames.py) now and return
        True, or return False if it cannot go out at once: send() then waits
        or fails as usual.

        The fan-out sends every broadcast once per socket in the room; most
        sockets keep up, and for them this skips send()'s coroutine.
        """
        if (
            self.writable.is_set()
            and not self.close_sent
            and not self.disconnected
            and self.conn.state is State.OPEN
        ):
            self.transport.write(prepared.frame(self.conn.extensions))
            return True
        return False

    def raise_if_closed(self, message):
        if self.close_sent and message["type"] == "websocket.send":
            # uvicorn closed it first (an unanswered ping, a bad frame), or
            # the consumer did, and the sender has not heard yet: a client
            # gone, as senders expect, not uvicorn's RuntimeError for a
            # misbehaving app.
            raise ClientDisconnected

    async def wait_until_writable(self):
        try:
            async with asyncio.timeout(settings.WEBSOCKET_SEND_TIMEOUT_SECONDS):
                await self.writable.wait()
        except TimeoutError:
            logger.warning(
                "Dropped %s: it stopped reading what it was sent", self.client
            )
            self.transport.abort()
            raise ClientDisconnected from None

    def keepalive_timeout(self):
        super().keepalive_timeout()
        # close() waits for the unread buffer to drain, which may never happen.
        self.transport.abort()


class ServerSendInScope:
    """Hand consumers the server's own send as scope["server_send"], and
    WebSocketProtocol.send_prepared_now as scope["server_send_now"] when
    that is the server's protocol (None otherwise).

    Channels' session middleware wraps a socket's send to save the session
    on HTTP responses, and the consumer wraps it again; a websocket frame
    needs neither. The fan-out sends every broadcast once per socket, so it
    goes past them (rooms.live.fanout.Outbox).
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        # In place, not in a copy: this frame would keep the copy for the
        # socket's life, and the server built this scope for this
        # socket alone and reads it no more.
        scope["server_send"] = send
        server = getattr(send, "__self__", None)
        scope["server_send_now"] = getattr(server, "send_prepared_now", None)
        try:
            await self.app(scope, receive, send)
        finally:
            # The server keeps its scope and send is its method: a cycle,
            # which would hold a closed socket's protocol (its buffers and
            # parser) until a full garbage collection.
            del scope["server_send"], scope["server_send_now"]
