"""Every database connection a burst takes goes back to Postgres's pool.

The server reports its pool as it stops (site_config/lifespan.py); one
connection still checked out then was never returned, and enough of them
starve every later request (a PoolTimeout after 30 s).
"""

import asyncio
import re
import socket
import urllib.parse

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from rooms.models import Message
from site_config.hang_up import HoldDisconnectUntilResponse

from .conftest import PASSWORD, require, start_chat_server
from .sockets import Tab, http_post, open_tab

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.one_run("postgres")]

POOL_REPORT = re.compile(
    r"database pool 'default' at shutdown: (\d+) connections, (\d+) checked out"
)


@pytest.fixture
def postgres_server(django_db_blocker):
    # tests/run runs this module in its Postgres run only.
    require(connection.vendor == "postgresql", "the pool is Postgres's (DATABASE_URL)")
    server = start_chat_server("pool", django_db_blocker)
    yield server
    server.stop()


def abort_request(server, path, session_id):
    """Send a request and hang up before the answer, as a closed tab does."""
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Cookie: sessionid={session_id}\r\n\r\n".encode()
        )


def post_without_javascript(server, person, n):
    csrf = "p" * 32
    return http_post(
        server,
        "/rooms/general/messages/",
        {"message": f"no js {n}"},
        csrf,
        person.session_id,
    )


def sign_in(server, username, password):
    return http_post(
        server,
        "/accounts/login/",
        {"username": username, "password": password},
        "s" * 32,
    )


async def post_over_the_socket(server, person, n):
    async with open_tab(server, person=person) as ws:
        tab = Tab(ws)
        await tab.send(action="send", message=f"socket {n}")
        await tab.expect(rf"socket {n}<")


async def close_mid_catch_up(server, person):
    # The tab asks for everything since the start and is gone at once.
    async with open_tab(server, person=person, after=0):
        pass


async def test_a_burst_returns_every_connection_to_the_pool(
    postgres_server, general, alice, bob
):
    server = postgres_server
    run = sync_to_async
    burst = []
    for n in range(20):
        burst += [
            run(post_without_javascript)(server, alice, n),
            post_over_the_socket(server, bob, n),
            close_mid_catch_up(server, alice),
            run(sign_in)(server, "alice", PASSWORD if n % 2 else "wrong"),
            run(abort_request)(server, "/rooms/general/", bob.session_id),
            run(abort_request)(
                server, f"/search/?q={urllib.parse.quote('no js')}", alice.session_id
            ),
        ]
    results = await asyncio.gather(*burst, return_exceptions=True)
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert await Message.objects.filter(body__startswith="no js").acount() == 20
    assert await Message.objects.filter(body__startswith="socket").acount() == 20

    server.stop()
    report = POOL_REPORT.search(server.log())
    assert report, server.log()[-2000:]
    connections, checked_out = map(int, report.groups())
    assert connections > 0
    assert checked_out == 0, server.log()[-4000:]


async def test_a_hang_up_reaches_the_view_only_once_the_response_has_started():
    heard = []

    async def app(scope, receive, send):
        assert (await receive())["type"] == "http.request"
        hang_up = asyncio.ensure_future(receive())
        await asyncio.sleep(0.05)
        heard.append(("before the response", hang_up.done()))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        heard.append(("after it started", (await hang_up)["type"]))

    client = iter([{"type": "http.request", "body": b""}, {"type": "http.disconnect"}])

    async def receive():
        return next(client)

    async def send(message):
        pass

    await HoldDisconnectUntilResponse(app)({"type": "http"}, receive, send)
    assert heard == [
        ("before the response", False),
        ("after it started", "http.disconnect"),
    ]


async def test_a_hang_up_during_the_upload_still_aborts_at_once():
    client = iter(
        [
            {"type": "http.request", "body": b"x", "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive():
        return next(client)

    async def app(scope, receive, send):
        assert (await receive())["type"] == "http.request"
        assert (await receive())["type"] == "http.disconnect"

    async with asyncio.timeout(1):
        await HoldDisconnectUntilResponse(app)({"type": "http"}, receive, None)
