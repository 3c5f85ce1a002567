"""The ceiling: a bare ASGI app that sends one message's bytes to every socket.

No Django, no Channels, no database: what uvicorn and the websocket itself
cost. Run with `uvicorn bench.bare:application`.
"""

import contextlib
import html
import itertools
import json
from collections import defaultdict
from datetime import UTC, datetime

rooms = defaultdict(set)
ids = itertools.count(1)


def fragment(pk, body, author="person0", author_id=1):
    """Return the HTML the chat broadcasts for a message, byte for byte in shape."""
    now = datetime.now(UTC)
    return (
        '\n  <hx-partial hx-target="#messages" hx-swap="upsert">\n    \n'
        f'          <article id="message-{pk}" class="message" data-author="{author_id}">\n'
        '            <header class="message-header">\n'
        f'              <span class="message-author">{author}</span>\n'
        f'              <time class="message-time" datetime="{now.isoformat()}">{now:%H:%M}</time>\n'
        "            </header>\n"
        f'            <p class="message-body">{html.escape(body)}</p>\n'
        "          </article>\n        \n  </hx-partial>\n"
    )


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
