"""Typing notices over a real websocket: a hint for the others, never stored."""

import pytest
from asgiref.sync import sync_to_async

from accounts.models import Profile
from rooms.models import Message

from .sockets import Tab, http_get, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


def typist(person):
    return f'<span id="typist-{person.pk}" class="typist">{person.user.username}</span>'


async def test_typing_reaches_the_others_in_the_room_not_the_typist(
    chat_server, general, alice, bob
):
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=bob) as b,
    ):
        alice_tab, bob_tab = Tab(a), Tab(b)
        await alice_tab.expect("bob joined")
        await bob_tab.expect("bob joined")
        await alice_tab.send(action="typing", message="a draft stays private")
        frames = await bob_tab.expect("typist-")
        assert typist(alice) in frames
        assert "a draft" not in frames
        await alice_tab.expect_nothing()
    assert not await Message.objects.aexists()


async def test_a_flood_of_typing_frames_is_dropped_without_closing_the_socket(
    chat_server, general, alice, bob
):
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=bob) as b,
    ):
        alice_tab, bob_tab = Tab(a), Tab(b)
        await bob_tab.expect("bob joined")
        for _ in range(200):
            await alice_tab.send(action="typing")
        await alice_tab.send(action="send", message="still here")
        frames = await bob_tab.expect("still here")
        assert frames.count(typist(alice)) == 1


async def test_a_message_ends_its_authors_typing_notice(
    chat_server, general, alice, bob
):
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=bob) as b,
    ):
        alice_tab, bob_tab = Tab(a), Tab(b)
        await bob_tab.expect("bob joined")
        await alice_tab.send(action="typing")
        await bob_tab.expect("typist-")
        await alice_tab.send(action="send", message="done typing")
        frames = await bob_tab.expect("done typing")
        assert f'hx-target="#typist-{alice.pk}" hx-swap="delete"' in frames


async def test_anonymous_typing_is_ignored(chat_server, general, alice):
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server) as anon,
    ):
        alice_tab, reader = Tab(a), Tab(anon)
        await alice_tab.expect("alice joined")
        await reader.send(action="typing")
        await alice_tab.expect_nothing(within=0.5)
        await alice_tab.send(action="typing")
        await reader.expect(typist(alice))


async def test_typing_and_arrivals_name_people_as_they_show(
    chat_server, general, alice, bob
):
    await Profile.objects.acreate(user=alice.user, display_name="Alice Liddell")
    async with open_tab(chat_server, person=bob) as b:
        bob_tab = Tab(b)
        await bob_tab.expect("bob joined")
        async with open_tab(chat_server, person=alice) as a:
            await bob_tab.expect("Alice Liddell joined")
            await Tab(a).send(action="typing")
            await bob_tab.expect(r'class="typist">Alice Liddell</span>')
    # And a direct message finds her however her name is typed.
    page = await sync_to_async(http_get)(chat_server, "/dm/ALICE/", bob.session_id)
    assert 'id="composer"' in page
