"""Frames no browser would send, over a real websocket to uvicorn."""

import pytest

from rooms.models import Message

from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


async def test_lone_surrogates_are_replaced_not_fatal(chat_server, general, alice):
    async with open_tab(chat_server) as anonymous:
        tab = Tab(anonymous)
        await tab.send(action="sign-in", username="\ud800", password="\udfff")
        await tab.expect("Please enter a correct username and password")
    async with open_tab(chat_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.expect("alice joined")
        await tab.send(action="send", message="half \ud83d a smile")
        await tab.expect("half \ufffd a smile")
    assert await Message.objects.filter(body="half \ufffd a smile").aexists()
