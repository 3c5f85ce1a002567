"""site_config/websocket.py, driven through websockets' sans-I/O client."""

import asyncio

import pytest
from uvicorn.config import Config
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.server import ServerState
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.server import ServerProtocol
from websockets.uri import parse_uri

from rooms.live.frames import PreparedText
from site_config.websocket import PER_MESSAGE_DEFLATE, WebSocketProtocol

# The database does not matter to it: one of tests/run's two runs.
pytestmark = pytest.mark.one_run("sqlite")

# Long enough to refer back further than the narrowest window (512 bytes).
BROADCAST = "".join(f"<li id='person-{n}'>person {n} &amp; co</li>" for n in range(200))


def handshake(client_extensions):
    """Return a client and a server socket that agreed on client_extensions."""
    client = ClientProtocol(parse_uri("ws://chat/"), extensions=client_extensions)
    server = ServerProtocol(extensions=[PER_MESSAGE_DEFLATE])
    client.send_request(client.connect())
    server.receive_data(b"".join(client.data_to_send()))
    server.send_response(server.accept(server.events_received()[0]))
    client.receive_data(b"".join(server.data_to_send()))
    client.events_received()
    return client, server


@pytest.mark.parametrize("first", [0, 1, 2, 3])
def test_one_prepared_frame_serves_every_way_of_compressing(first):
    offers = [
        [ClientPerMessageDeflateFactory(client_max_window_bits=True)],  # browsers
        [ClientPerMessageDeflateFactory(server_max_window_bits=9)],
        [ClientPerMessageDeflateFactory(server_max_window_bits=10)],
        None,  # no compression
    ]
    # Whichever socket the fan-out reaches first builds the frame it caches.
    offers = offers[first:] + offers[:first]
    prepared = PreparedText(BROADCAST)
    for offer in offers:
        client, server = handshake(offer)
        frame = prepared.frame(server.extensions)
        server.send_text(BROADCAST.encode())
        assert frame == b"".join(server.data_to_send())
        client.receive_data(frame)
        assert client.events_received()[0].data.decode() == BROADCAST


class Transport:
    """Just enough of an asyncio transport for the protocol to write to."""

    closing = False

    def write(self, data):
        pass

    def is_closing(self):
        return self.closing

    def close(self):
        self.closing = True

    abort = close

    def pause_reading(self):
        pass

    def resume_reading(self):
        pass


async def test_a_send_that_waited_behind_a_close_hears_the_client_is_gone():
    config = Config(app=None, interface="asgi3", ws_ping_interval=None)
    config.loaded, config.loaded_app = True, None
    socket = WebSocketProtocol(config, ServerState(), {})
    socket.transport, socket.client, socket.scheme = Transport(), ("a", 1), "ws"
    socket.run_asgi = asyncio.Event().wait  # no app: this test is the app
    client = ClientProtocol(parse_uri("ws://chat/"))
    client.send_request(client.connect())
    socket.data_received(b"".join(client.data_to_send()))
    await socket.send({"type": "websocket.accept"})

    socket.pause_writing()  # the client stopped reading
    closing = asyncio.create_task(socket.send({"type": "websocket.close"}))
    prepared = PreparedText("hello")
    message = {"type": "websocket.send", "text": "hello", "prepared": prepared}
    sending = asyncio.create_task(socket.send(message))
    await asyncio.sleep(0)
    socket.resume_writing()
    await closing
    # An OSError, which senders take for a gone client, not a RuntimeError.
    with pytest.raises(ClientDisconnected):
        await sending
