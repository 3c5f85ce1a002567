"""The sidebar's live lists, over the lobby's socket and a room's: which rooms
turn unread, for whom, and the rooms someone is let into; over real uvicorn."""

import re

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from websockets.asyncio.client import connect

from rooms.live import fanout
from rooms.models import ReadMark, Room
from site_config.asgi import application

from .conftest import sign_up
from .sockets import Tab, http_get, http_post, http_sign_out, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


def open_lobby(server, person=None):
    headers = {} if person is None else {"Cookie": f"sessionid={person.session_id}"}
    return connect(
        f"{server.ws_url}/ws/lobby/", origin=server.url, additional_headers=headers
    )


async def live_lobby(ws):
    lobby = Tab(ws)
    await lobby.expect("data-live")
    return lobby


def marked(room):
    return f'<hx-partial hx-target="#room-{room.pk}"'


async def test_each_post_counts_in_others_lobbies_and_not_for_its_author(
    chat_server, general, alice, bob
):
    async with (
        open_lobby(chat_server, alice) as a,
        open_lobby(chat_server, bob) as b,
        open_tab(chat_server, person=bob) as room,
    ):
        alice_lobby, bob_lobby = await live_lobby(a), await live_lobby(b)
        for n in (1, 2):
            await Tab(room).send(action="send", message=f"hello {n}")
            alice_lobby.seen = ""
            frames = await alice_lobby.expect(marked(general))
            assert 'data-room="general" class=" has-unread"' in frames
            assert re.search(rf'class="unread-count">.*>{n}<.* unread', frames)
        await bob_lobby.expect_nothing()


async def test_a_private_room_is_marked_only_in_its_members_lobbies(
    chat_server, general, alice, bob
):
    secret = await Room.objects.acreate(
        name="secret", slug="secret", kind=Room.Kind.PRIVATE
    )
    await secret.members.aadd(alice.user, bob.user)
    carol = await sync_to_async(sign_up)("carol")
    async with (
        open_lobby(chat_server, alice) as a,
        open_lobby(chat_server, carol) as c,
        open_tab(chat_server, "secret", person=bob) as room,
    ):
        alice_lobby, carol_lobby = await live_lobby(a), await live_lobby(c)
        assert "secret" not in carol_lobby.seen
        await Tab(room).send(action="send", message="members only")
        await alice_lobby.expect(marked(secret))
        await carol_lobby.expect_nothing()


async def test_a_muted_room_is_marked_only_for_a_mention(
    chat_server, general, alice, bob
):
    await ReadMark.objects.acreate(user=alice.user, room=general, muted=True)
    async with (
        open_lobby(chat_server, alice) as a,
        open_tab(chat_server, person=bob) as room,
    ):
        alice_lobby = await live_lobby(a)
        await Tab(room).send(action="send", message="chatter")
        await alice_lobby.expect_nothing(within=0.5)
        await Tab(room).send(action="send", message="@alice over here")
        await alice_lobby.expect(marked(general))


async def test_the_lobby_redraws_what_turned_unread_while_it_was_away(
    chat_server, general, alice, bob
):
    await ReadMark.objects.acreate(user=alice.user, room=general)
    async with open_lobby(chat_server, alice) as a:
        assert 'class=" has-unread"' not in (await live_lobby(a)).seen
    await sync_to_async(general.post)(bob.user, "while the tab was hidden")
    async with open_lobby(chat_server, alice) as a:
        assert 'data-room="general" class=" has-unread"' in (await live_lobby(a)).seen


async def test_signing_out_closes_the_lobby_and_strangers_get_none(
    chat_server, general, alice
):
    async with open_lobby(chat_server) as ws:
        assert await Tab(ws).expect_close() == 4401
    async with open_lobby(chat_server, alice) as ws:
        lobby = await live_lobby(ws)
        await sync_to_async(http_sign_out)(chat_server, alice.session_id)
        assert await lobby.expect_close() == 4401
    # Its last words: the header and the lists, signed out.
    assert 'hx-target="#account"' in lobby.seen
    assert "Signed out." in lobby.seen
    assert 'class="account-name"' not in lobby.seen.split("Signed out.")[-1]


async def test_a_room_socket_marks_the_other_rooms_and_never_its_own(
    chat_server, general, alice, bob
):
    random = await Room.objects.acreate(name="random", slug="random")
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, "random", person=bob) as b,
    ):
        alice_tab, bob_tab = await live_lobby(a), await live_lobby(b)
        assert 'data-room="general" class="" aria-current="page"' in alice_tab.seen
        await bob_tab.send(action="send", message="over here")
        await alice_tab.expect(marked(random))
        await alice_tab.send(action="send", message="in general")
        frames = await alice_tab.expect("in general<")
        assert marked(general) not in frames
        await bob_tab.expect(marked(general))


async def test_a_conversation_someone_starts_is_listed_then_followed(
    chat_server, general, alice, bob
):
    async with open_tab(chat_server, person=alice) as a:
        alice_tab = await live_lobby(a)
        alice_tab.seen = ""
        await sync_to_async(http_get)(chat_server, "/dm/alice/", bob.session_id)
        await alice_tab.expect('id="conversations"')
        conversation = await Room.objects.aget(kind=Room.Kind.DIRECT)
        assert f'data-room="{conversation.slug}"' in alice_tab.seen
        async with open_tab(chat_server, conversation.slug, person=bob) as b:
            await Tab(b).send(action="send", message="welcome in")
            await alice_tab.expect(marked(conversation))


async def test_a_room_you_are_removed_from_is_no_longer_followed(
    chat_server, general, alice, bob
):
    secret = await Room.objects.acreate(
        name="secret", slug="secret", kind=Room.Kind.PRIVATE, created_by=bob.user
    )
    await secret.members.aadd(alice.user, bob.user)
    async with (
        open_lobby(chat_server, alice) as a,
        open_tab(chat_server, "secret", person=bob) as b,
    ):
        lobby, bob_tab = await live_lobby(a), Tab(b)
        removal = f"/rooms/secret/members/{alice.pk}/remove/"
        csrf = "r" * 32
        await sync_to_async(http_post)(chat_server, removal, {}, csrf, bob.session_id)
        await lobby.expect(f'hx-target="#room-{secret.pk}" hx-swap="delete"')
        await bob_tab.send(action="send", message="after alice left")
        await bob_tab.expect("after alice left<")
        await lobby.expect_nothing(within=0.5)


async def test_a_new_open_room_is_listed_in_every_sidebar_then_followed(
    chat_server, general, alice, bob
):
    carol = await sync_to_async(sign_up)("carol")
    async with (
        open_lobby(chat_server, alice) as a,
        open_lobby(chat_server, carol) as c,
        open_tab(chat_server, person=bob) as b,
    ):
        alice_lobby, carol_lobby = await live_lobby(a), await live_lobby(c)
        bob_tab = await live_lobby(b)
        csrf = "r" * 32
        for name, private in (("hidden", "on"), ("design", "")):
            form = {"name": name, "private": private}
            await sync_to_async(http_post)(
                chat_server, "/rooms/new/", form, csrf, bob.session_id
            )
        # All three hear of design; the private room only its creator.
        for sidebar in (alice_lobby, carol_lobby, bob_tab):
            await sidebar.expect('data-room="design"')
        assert 'data-room="hidden"' not in alice_lobby.seen + carol_lobby.seen
        assert 'data-room="hidden"' in bob_tab.seen
        design = await Room.objects.aget(slug="design")
        async with open_tab(chat_server, "design", person=bob) as d:
            await Tab(d).send(action="send", message="first words in design")
            await alice_lobby.expect(marked(design))
            await carol_lobby.expect(marked(design))


@pytest.mark.usefixtures("own_process_state")
async def test_a_socket_lists_opened_rooms_only_while_it_is_signed_in(general, alice):
    headers = [
        (b"origin", b"http://localhost"),
        (b"host", b"localhost"),
        (b"cookie", f"sessionid={alice.session_id}".encode()),
    ]
    tab = WebsocketCommunicator(application, "/ws/rooms/general/?after=0", headers)
    assert (await tab.connect())[0]
    frames = ""
    while "data-live" not in frames:
        frames += await tab.receive_from(timeout=5)
    (consumer,) = fanout.rooms.members[general.pk]
    assert fanout.rooms.sidebars == {consumer}
    # The signal tells this process's fan-out, which the test can see.
    design = await Room.objects.acreate(name="design", slug="design")
    frames = ""
    while 'data-room="design"' not in frames:
        frames += await tab.receive_from(timeout=5)
    assert fanout.rooms.watchers[design.pk] == {consumer}

    await tab.send_json_to({"action": "sign-out"})
    while 'id="sign-in"' not in frames:
        frames += await tab.receive_from(timeout=5)
    assert fanout.rooms.sidebars == set()
    assert design.pk not in fanout.rooms.watchers
    await tab.disconnect()


async def test_a_renamed_room_shows_its_new_name_in_it_and_in_sidebars(
    chat_server, general, alice, bob
):
    await Room.objects.filter(pk=general.pk).aupdate(created_by=alice.user)
    async with (
        open_lobby(chat_server, bob) as b,
        open_tab(chat_server, person=bob) as room,
    ):
        bob_lobby, bob_room = await live_lobby(b), Tab(room)
        await bob_room.expect("bob joined")
        changed = {"name": "Town square", "topic": "Say hello"}
        csrf = "r" * 32
        await sync_to_async(http_post)(
            chat_server, "/rooms/general/settings/", changed, csrf, alice.session_id
        )
        frames = await bob_room.expect("Say hello")
        assert (
            '<hx-partial hx-target="#room-name" hx-swap="innerHTML">Town square'
            in frames
        )
        entry = await bob_lobby.expect(marked(general))
        assert '<span class="room-entry-name">Town square</span>' in entry


async def test_a_room_archived_while_open_refuses_a_post_and_says_why(
    chat_server, general, alice, bob
):
    await Room.objects.filter(pk=general.pk).aupdate(created_by=alice.user)
    async with open_tab(chat_server, person=bob) as room:
        bob_room = Tab(room)
        await bob_room.expect("bob joined")
        csrf = "s" * 32
        archive = {"archived": "1"}
        await sync_to_async(http_post)(
            chat_server, "/rooms/general/archive/", archive, csrf, alice.session_id
        )
        await bob_room.expect('<p id="room-archived" class="room-archived">')
        await bob_room.send(action="send", message="too late")
        await bob_room.expect("This room is archived")
        assert not await general.messages.filter(body="too late").aexists()


async def test_leaving_a_room_unlists_it_in_every_open_sidebar(
    chat_server, general, bob
):
    async with open_lobby(chat_server, bob) as b:
        bob_lobby = await live_lobby(b)
        csrf = "t" * 32
        await sync_to_async(http_post)(
            chat_server, "/rooms/general/leave/", {}, csrf, bob.session_id
        )
        removed = f'<hx-partial hx-target="#room-{general.pk}" hx-swap="delete">'
        await bob_lobby.expect(removed)
