"""Private rooms' sockets, over a real websocket to a real uvicorn process."""

import asyncio
import urllib.error
import urllib.parse
import urllib.request

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.test import Client

from rooms.live import broadcast
from rooms.models import Membership, Room

from .conftest import sign_up
from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def secret(alice, bob):
    room = Room.objects.create(
        name="secret", slug="secret", kind=Room.Kind.PRIVATE, created_by=alice.user
    )
    room.members.add(alice.user, bob.user)
    return room


async def test_outsiders_are_refused_with_a_code_that_is_not_retried(
    chat_server, secret
):
    carol = await sync_to_async(sign_up)("carol")
    for person in (carol, None):
        async with open_tab(chat_server, "secret", person=person) as ws:
            tab = Tab(ws)
            assert await tab.expect_close() == 4403
            assert "This room is for its members only." in tab.seen


async def test_removing_a_member_closes_their_sockets_to_that_room_only(
    chat_server, general, secret, alice, bob
):
    async with (
        open_tab(chat_server, "secret", person=bob) as first,
        open_tab(chat_server, "secret", person=bob) as second,
        open_tab(chat_server, "general", person=bob) as elsewhere,
        open_tab(chat_server, "secret", person=alice) as a,
    ):
        await Tab(a).expect("alice joined")
        await Tab(elsewhere).expect("bob joined")
        await sync_to_async(http_remove)(chat_server, alice, secret, bob)
        for ws in (first, second):
            tab = Tab(ws)
            assert await tab.expect_close() == 4403
            assert "You are no longer a member of this room." in tab.seen
        await Tab(a).send(action="send", message="after bob left")
        await Tab(a).expect("after bob left")
        await Tab(elsewhere).send(action="send", message="still in general")
        await Tab(elsewhere).expect("still in general")
    async with open_tab(chat_server, "secret", person=bob) as ws:
        assert await Tab(ws).expect_close() == 4403


def http_remove(server, remover, room, removed):
    csrf = "r" * 32
    request = urllib.request.Request(
        f"{server.url}/rooms/{room.slug}/members/{removed.pk}/remove/",
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": csrf}).encode(),
        headers={
            "Cookie": f"sessionid={remover.session_id}; csrftoken={csrf}",
            "Origin": server.url,
        },
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(request)
    except urllib.error.HTTPError as error:
        assert error.code == 302, error.code


async def test_a_membership_ended_anywhere_closes_its_sockets_saying_how(secret, bob):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(broadcast.user_group(bob.user.pk), channel)

    # As the admin or a shell deletes it: no view of the chat's involved.
    await Membership.objects.filter(room=secret, user=bob.user).adelete()
    event = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert event == {"type": "user.removed", "room_id": secret.pk, "reason": "removed"}

    await sync_to_async(secret.members.add)(bob.user)
    await asyncio.wait_for(layer.receive(channel), timeout=5)  # listed again

    def leave():
        client = Client()
        client.force_login(bob.user)
        return client.post("/rooms/secret/leave/")

    assert (await sync_to_async(leave)()).status_code == 302
    event = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert event == {"type": "user.removed", "room_id": secret.pk, "reason": "left"}
