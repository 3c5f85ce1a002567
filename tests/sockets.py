"""Speaking to a real server's sockets and pages, as a browser tab would."""

import asyncio
import contextlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


class Tab:
    """One browser tab's socket: what it sent and what it was sent."""

    def __init__(self, ws):
        self.ws = ws
        self.seen = ""

    async def send(self, **values):
        await self.ws.send(json.dumps({**values, "headers": {"HX-Request": "true"}}))

    async def expect(self, pattern, timeout=15):
        """Wait until the frames received so far match pattern; return them."""
        async with asyncio.timeout(timeout):
            while not re.search(pattern, self.seen):
                self.seen += await self.ws.recv()
        return self.seen

    async def listen(self, seconds):
        """Take in whatever arrives for a while."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while True:
                    self.seen += await self.ws.recv()

    async def expect_nothing(self, within=0.3):
        try:
            async with asyncio.timeout(within):
                frame = await self.ws.recv()
        except TimeoutError:
            return
        pytest.fail(f"unexpected frame: {frame[:200]}")

    async def expect_close(self, timeout=15):
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(timeout):
                while True:
                    self.seen += await self.ws.recv()
        return closed.value.rcvd.code


def open_tab(
    server,
    room="general",
    *,
    person=None,
    after=0,
    origin=None,
    lang=None,
    headers=(),
    **options,
):
    headers = dict(headers)
    if person is not None:
        headers["Cookie"] = f"sessionid={person.session_id}"
    # after as given: a cursor may carry its revision ("12&revision=3").
    given = [
        f"after={after}" if after is not None else "",
        f"lang={lang}" if lang else "",
    ]
    query = "&".join(part for part in given if part)
    query = f"?{query}" if query else ""
    return connect(
        f"{server.ws_url}/ws/rooms/{room}/{query}",
        origin=origin or server.url,
        additional_headers=headers,
        **options,
    )


def http_sign_out(server, session_id):
    csrf = "a" * 32
    request = urllib.request.Request(
        f"{server.url}/accounts/logout/",
        data=f"csrfmiddlewaretoken={csrf}".encode(),
        headers={
            "Cookie": f"sessionid={session_id}; csrftoken={csrf}",
            "Origin": server.url,
        },
    )
    urllib.request.urlopen(request)


@dataclass
class Response:
    status: int
    cookies: dict
    text: str = ""


def http_post(server, path, data, csrf, session_id="", headers=()):
    """POST a form as a signed-in page would; headers add to its own."""
    request = urllib.request.Request(
        f"{server.url}{path}",
        data=urllib.parse.urlencode(data).encode(),
        headers={
            "Cookie": f"csrftoken={csrf}; sessionid={session_id}",
            "X-CSRFToken": csrf,
            "Origin": server.url,
            **dict(headers),
        },
    )
    try:
        response = urllib.request.urlopen(request)
    except urllib.error.HTTPError as error:
        return Response(error.code, {})
    cookies = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    return Response(
        response.status,
        {name: morsel.value for name, morsel in cookies.items()},
        response.read().decode(),
    )


def http_get(server, path, session_id):
    request = urllib.request.Request(
        f"{server.url}{path}", headers={"Cookie": f"sessionid={session_id}"}
    )
    return urllib.request.urlopen(request).read().decode()
