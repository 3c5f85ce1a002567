"""Sign-in gives a new session key; the key held before is dead everywhere."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from websockets.asyncio.client import connect

from rooms.models import Message

from .conftest import PASSWORD, Person
from .sockets import Tab, http_get, http_post, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


def anonymous_session():
    """Return the key of a stored session, as a visitor's browser holds one."""
    session = SessionStore()
    session["seen"] = True
    session.create()
    return session.session_key


def test_signing_in_over_http_rotates_the_session_key(general):
    get_user_model().objects.create_user("alice", password=PASSWORD)
    before = anonymous_session()
    client = Client()
    client.cookies["sessionid"] = before
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not SessionStore().exists(before)
    # Whoever held the old key (planted it, or copied it) holds nothing.
    stolen = Client()
    stolen.cookies["sessionid"] = before
    page = stolen.get("/rooms/general/").content.decode()
    assert 'id="sign-in"' in page
    assert 'class="account-name"' not in page
    page = client.get("/rooms/general/").content.decode()
    assert 'class="account-name">alice<' in page


async def test_signing_in_over_the_socket_rotates_the_session_key(
    chat_server, general, alice
):
    before = await sync_to_async(anonymous_session)()
    csrf = "k" * 32
    async with connect(
        f"{chat_server.ws_url}/ws/rooms/general/?after=0",
        origin=chat_server.url,
        additional_headers={"Cookie": f"sessionid={before}; csrftoken={csrf}"},
    ) as ws:
        tab = Tab(ws)
        await tab.send(action="sign-in", username="alice", password=PASSWORD)
        frames = await tab.expect(r'"token": "([^"]+)"')
    token = re.search(r'"token": "([^"]+)"', frames)[1]
    redeemed = await sync_to_async(http_post)(
        chat_server, "/accounts/session/", {"token": token}, csrf, before
    )
    after = redeemed.cookies["sessionid"]
    assert after != before
    assert not await sync_to_async(SessionStore().exists)(before)

    page = await sync_to_async(http_get)(chat_server, "/rooms/general/", before)
    assert 'id="sign-in"' in page
    assert 'class="account-name"' not in page
    async with open_tab(chat_server, person=Person(alice.user, before)) as ws:
        stolen = Tab(ws)
        await stolen.send(action="send", message="posted with a stolen key")
        assert await stolen.expect_close() == 4401
        assert "Sign in to post." in stolen.seen
    assert not await Message.objects.filter(body__contains="stolen").aexists()
    page = await sync_to_async(http_get)(chat_server, "/rooms/general/", after)
    assert 'class="account-name">alice<' in page
