"""A client that stops reading is dropped, and catches up when it reads again."""

import asyncio
import random
import re
import socket

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from .conftest import start_chat_server
from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)

SEND_TIMEOUT_SECONDS = 1


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    server = start_chat_server(
        "stuck-reader",
        django_db_blocker,
        WEBSOCKET_SEND_TIMEOUT_SECONDS=str(SEND_TIMEOUT_SECONDS),
    )
    yield server
    server.stop()


def stuck_reader(server):
    """Open a socket that reads almost nothing once its small queue is full."""
    # A tiny receive window, and no compression to shrink what is sent,
    # so the server's buffers fill within a modest flood.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    return connect(
        f"{server.ws_url}/ws/rooms/general/?after=0",
        origin=server.url,
        sock=sock,
        compression=None,
        max_queue=1,
    )


def incompressible_text(length=4900):
    return "".join(chr(random.randrange(0x4E00, 0x9FFF)) for _ in range(length))


async def read_until(ws, marker, ids):
    """Collect message ids from the socket's frames until marker arrives."""
    async for frame in ws:
        ids.extend(map(int, re.findall(r'id="message-(\d+)"', frame)))
        if marker in frame:
            return


async def test_a_reader_that_stops_reading_is_dropped_and_catches_up(
    server, general, alice, bob
):
    async with (
        stuck_reader(server) as stuck,
        open_tab(server, person=alice) as writer,
        open_tab(server, person=bob) as reader,
    ):
        written, read = [], []
        writing = asyncio.create_task(read_until(writer, "after the drop", written))
        reading = asyncio.create_task(read_until(reader, "after the drop", read))
        # Flood the room until the server gives up on the stuck socket.
        async with asyncio.timeout(30):
            while "it stopped reading" not in server.log():
                body = f"flood {incompressible_text()}"
                await Tab(writer).send(action="send", message=body)
                await asyncio.sleep(0)
        await Tab(writer).send(action="send", message="after the drop")
        # Nobody else was held up by the one that stopped reading.
        async with asyncio.timeout(10):
            await asyncio.gather(writing, reading)
        assert sorted(read) == sorted(set(written))

        seen = ""
        with pytest.raises(ConnectionClosed) as closed:
            async for frame in stuck:
                seen += frame
    assert closed.value.rcvd is None  # aborted: no close frame, so hx-ws retries
    last_seen = max(map(int, re.findall(r'id="message-(\d+)"', seen)))

    async with open_tab(server, after=last_seen) as returning:
        await Tab(returning).expect("after the drop", timeout=10)
