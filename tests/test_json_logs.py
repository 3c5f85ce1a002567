"""LOG_FORMAT=json: every line a real server writes is one JSON object,
uvicorn's own included, each request's with its id (echoed to the
client), and the person and room where known."""

import json
import urllib.request

import pytest
from asgiref.sync import sync_to_async

from .conftest import start_chat_server
from .sockets import Tab, open_tab

# Once: the lines do not depend on the database.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.one_run("sqlite")]


def get(server, path, headers=()):
    request = urllib.request.Request(f"{server.url}{path}", headers=dict(headers))
    with urllib.request.urlopen(request) as response:
        return response.headers


async def test_every_line_is_json_with_the_request_id(
    django_db_blocker, general, alice
):
    server = await sync_to_async(start_chat_server)(
        "json-logs", django_db_blocker, LOG_FORMAT="json", WEBSOCKET_LOG_LEVEL="INFO"
    )
    try:
        given = await sync_to_async(get)(
            server, "/healthz", {"X-Request-ID": "router-id-1"}
        )
        assert given["X-Request-ID"] == "router-id-1"
        made = await sync_to_async(get)(
            server, "/rooms/general/", {"Cookie": f"sessionid={alice.session_id}"}
        )
        assert len(made["X-Request-ID"]) == 32
        async with open_tab(server, person=alice) as ws:
            tab = Tab(ws)
            await tab.send(action="send", message="logged nowhere")
            await tab.expect("logged nowhere")
    finally:
        await sync_to_async(server.stop)()

    lines = [json.loads(line) for line in server.log().splitlines() if line]
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys()
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert any(line.get("request_id") == "router-id-1" for line in access)
    page = next(line for line in access if "/rooms/general/" in line["message"])
    assert page["request_id"] == made["X-Request-ID"]
    assert (page["person"], page["room"]) == (alice.pk, "general")
    assert any(line["logger"] == "uvicorn.error" for line in lines)
    # A socket's lines name its room (rooms' socket_identified, heard by
    # site_config.logs).
    socket = next(line for line in lines if "WebSocket /ws/" in line["message"])
    assert socket["room"] == "general"
