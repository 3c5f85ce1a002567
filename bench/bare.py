"""The ceiling: a bare ASGI app that sends one message's bytes to every socket.

No Django, no Channels, no database: what uvicorn and the websocket itself
cost. The bytes are the chat's own, rendered once by `python -m bench`
into the file BENCH_MESSAGE_SHAPE names, with the message's id and body
marked. Run with `uvicorn bench.bare:application`.
"""

import contextlib
import functools
import html
import itertools
import json
import os
from collections import defaultdict
from pathlib import Path

# Markers in the shape, where each message's own id and body go.
ID_MARK = "987654321"
BODY_MARK = "BENCH-BODY"

rooms = defaultdict(set)
ids = itertools.count(1)


@functools.cache
def shape():
    return Path(os.environ["BENCH_MESSAGE_SHAPE"]).read_text()


def fragment(pk, body):
    """Return the HTML the chat broadcasts for this message, byte for byte."""
    return shape().replace(ID_MARK, str(pk)).replace(BODY_MARK, html.escape(body))


async def application(scope, receive, send):
    if scope["type"] != "websocket":
        return
    room = rooms[scope["path"]]
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    room.add(send)
    try:
        while (event := await receive())["type"] == "websocket.receive":
            body = json.loads(event.get("text") or "{}").get("message", "")
            out = {"type": "websocket.send", "text": fragment(next(ids), body)}
            for peer in list(room):
                # A peer that has just gone raises; its own loop cleans up.
                with contextlib.suppress(OSError):
                    await peer(out)
    finally:
        room.discard(send)
