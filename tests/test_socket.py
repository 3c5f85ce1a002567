"""The room socket, spoken to over a real websocket by a real uvicorn process."""

import asyncio
import contextlib
import json
import re
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

from accounts.models import FailedSignIn
from rooms.live import broadcast, fanout
from rooms.live.consumers.catch_up import CATCH_UP_LIMIT
from rooms.models import Message
from site_config.asgi import application

from .conftest import PASSWORD, Person, sign_up
from .sockets import Tab, http_get, http_post, http_sign_out, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


async def test_message_reaches_every_member_once(chat_server, general, alice, bob):
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=bob) as b,
    ):
        alice_tab, bob_tab = Tab(a), Tab(b)
        await bob_tab.expect("bob joined")
        await alice_tab.send(action="send", message="hello bob")
        frames = await bob_tab.expect(r"hello bob")
        message = await Message.objects.aget(body="hello bob")
        assert frames.count(f'id="message-{message.pk}"') == 1
        assert f'data-author="{alice.pk}"' in frames
        sent = await alice_tab.expect(r'hx-target="#composer-message"')
        assert re.search(r'<textarea id="composer-message"[^>]*></textarea>', sent)
        # A second copy would come before the next message, not after it.
        await alice_tab.send(action="send", message="and then")
        frames = await bob_tab.expect(r"and then")
        assert frames.count(f'id="message-{message.pk}"') == 1


async def test_every_frame_is_compressed_on_its_own(chat_server, general):
    # See site_config/websocket.py: so a broadcast is compressed once, and
    # an idle socket keeps no compressor or decompressor.
    async with open_tab(chat_server) as tab:
        negotiated = tab.response.headers["Sec-WebSocket-Extensions"].split("; ")
    assert negotiated[0] == "permessage-deflate"
    assert set(negotiated[1:]) == {
        "server_no_context_takeover",
        "server_max_window_bits=12",
        "client_max_window_bits=12",
        "client_no_context_takeover",
    }


async def test_a_broadcast_reaches_sockets_that_compress_differently(
    chat_server, general, alice
):
    # The fan-out frames a broadcast once for each way of compressing it.
    narrow_window = ClientPerMessageDeflateFactory(
        server_max_window_bits=10, client_max_window_bits=True
    )
    async with (
        open_tab(chat_server, person=alice) as sender,
        open_tab(chat_server) as usual,
        open_tab(chat_server, compression=None) as uncompressed,
        open_tab(chat_server, compression=None, extensions=[narrow_window]) as narrow,
    ):
        assert "Sec-WebSocket-Extensions" not in uncompressed.response.headers
        extensions = narrow.response.headers["Sec-WebSocket-Extensions"]
        assert "server_max_window_bits=10" in extensions
        await Tab(sender).send(action="send", message="to every kind of socket")
        for tab in (usual, uncompressed, narrow):
            await Tab(tab).expect("to every kind of socket")


async def test_the_server_logs_no_line_per_socket_but_still_its_errors(
    chat_server, general
):
    async with open_tab(chat_server):
        pass
    with pytest.raises(InvalidStatus):
        async with connect(f"{chat_server.ws_url}/ws/nowhere/", origin=chat_server.url):
            pass
    log = chat_server.log()
    assert "[accepted]" not in log
    assert "connection open" not in log
    assert "No route found for path 'ws/nowhere/'" in log


async def test_an_event_from_a_newer_release_leaves_the_socket_open(
    general, alice, own_process_state
):
    """During a rolling deploy a newer process may send what this one lacks."""
    await sync_to_async(general.post)(alice.user, "before the deploy")
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    tab = WebsocketCommunicator(application, "/ws/rooms/general/?after=0", headers)
    # The first socket in this process opens its database pool: time for it.
    assert (await tab.connect(timeout=10))[0]
    # Caught up on it: the consumer has joined the room by then.
    assert "before the deploy" in await tab.receive_from(timeout=10)
    (consumer,) = fanout.rooms.members[general.pk]
    layer = get_channel_layer()
    await layer.send(consumer.channel_name, {"type": "room.renamed", "name": "x"})
    # Handled in order: were the socket closed, this would not arrive.
    await layer.send(consumer.channel_name, {"type": "user.signed.out"})
    assert "You signed out." in await tab.receive_from(timeout=5)
    await tab.disconnect()


async def test_an_open_socket_keeps_none_of_its_handshake_headers(
    general, settings, own_process_state
):
    settings.PROXY_COUNT = 1  # one proxy in front, appending what it saw
    # Every copy of a socket's scope shares one list of headers, which lives
    # as long as the socket does.
    headers = [
        (b"origin", b"http://localhost"),
        (b"host", b"localhost"),
        (b"user-agent", b"Mozilla/5.0"),
        (b"x-forwarded-for", b"10.0.0.9, 203.0.113.7"),
    ]
    tab = WebsocketCommunicator(application, "/ws/rooms/general/?after=0", headers)
    assert (await tab.connect(timeout=10))[0]
    wrong = {"action": "sign-in", "username": "nobody", "password": "guess"}
    await tab.send_json_to(wrong)
    # The form again, with its error: the connect was over before.
    assert "sign-in" in await tab.receive_from(timeout=10)
    assert tab.scope["headers"] == []
    failure = await FailedSignIn.objects.aget()
    assert failure.client_address == "203.0.113.7"
    await tab.disconnect()


async def test_catch_up_sends_what_the_tab_missed_in_order(chat_server, general, alice):
    an_hour_ago = timezone.now() - timedelta(hours=1)
    seen = await general.messages.acreate(author=alice.user, body="seen before")
    await Message.objects.filter(pk=seen.pk).aupdate(created=an_hour_ago)
    missed = [
        await general.messages.acreate(author=alice.user, body=f"missed {n}")
        for n in range(3)
    ]
    async with open_tab(chat_server, after=seen.pk) as ws:
        frames = await Tab(ws).expect(r"missed 2")
    ids = [int(pk) for pk in re.findall(r'id="message-(\d+)"', frames)]
    assert ids == [message.pk for message in missed]
    assert 'hx-swap="upsert' in frames


async def test_a_broadcast_the_layer_dropped_still_arrives(
    chat_server, general, alice, bob
):
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=bob) as b,
    ):
        reader = Tab(b)
        await reader.expect("bob joined")
        # Stored but never broadcast, as when the layer drops a message...
        await general.messages.acreate(author=alice.user, body="dropped on the way")
        # ...and a newer one arrives live before the next tick.
        await Tab(a).send(action="send", message="arrived live")
        await reader.expect("arrived live")
        await reader.expect("dropped on the way", timeout=5)  # ticks every 1 s here


async def test_a_long_live_stretch_is_not_sent_again_by_the_heartbeat(
    chat_server, general, alice, bob
):
    count = CATCH_UP_LIMIT + 20
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=bob) as b,
    ):
        reader = Tab(b)
        for n in range(count):
            await Tab(a).send(action="send", message=f"live {n}")
        await reader.expect(f"live {count - 1}<", timeout=30)
        # Heartbeats (every 1 s here) read the room again; nothing is news.
        await reader.listen(seconds=2.5)
    ids = re.findall(r'id="message-(\d+)"', reader.seen)
    assert len(ids) == len(set(ids)) == count
    assert '"#messages" hx-swap="innerHTML"' not in reader.seen


async def test_first_connect_without_cursor_gets_the_latest_page(
    chat_server, general, alice
):
    await general.messages.acreate(author=alice.user, body="already here")
    async with open_tab(chat_server, after=None) as ws:
        frames = await Tab(ws).expect(r"already here")
    assert 'hx-swap="innerHTML"' in frames


async def test_anonymous_reader_sees_live_messages_but_cannot_post(
    chat_server, general, alice
):
    async with open_tab(chat_server) as anon, open_tab(chat_server, person=alice) as a:
        reader = Tab(anon)
        await Tab(a).send(action="send", message="for everyone")
        await reader.expect("for everyone")
        await reader.send(action="send", message="sneaky")
        assert await reader.expect_close() == 4401
        assert "Sign in to post." in reader.seen
    assert not await Message.objects.filter(body="sneaky").aexists()


async def test_unknown_room_is_refused_with_a_code_that_is_not_retried(
    chat_server, transactional_db
):
    async with open_tab(chat_server, room="no-such-room") as ws:
        tab = Tab(ws)
        assert await tab.expect_close() == 4404
        assert "This room does not exist." in tab.seen


async def test_foreign_origin_is_refused_at_the_handshake(chat_server, general, alice):
    with pytest.raises(InvalidStatus) as refused:
        async with open_tab(chat_server, person=alice, origin="http://evil.example"):
            pass
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize(
    "origin", [None, "null", "http://127.0.0.1.evil.example", "ws://evil.example"]
)
async def test_a_missing_or_lookalike_origin_is_refused_at_the_handshake(
    chat_server, general, alice, origin
):
    url = f"{chat_server.ws_url}/ws/rooms/general/?after=0"
    cookie = {"Cookie": f"sessionid={alice.session_id}"}
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, origin=origin, additional_headers=cookie):
            pass
    assert refused.value.response.status_code == 403


async def test_an_origin_must_match_scheme_host_and_port(chat_server, general, alice):
    """The page's origin is the site's: not over http for https, nor another port."""
    port = chat_server.port
    for origin, forwarded_proto, opens in [
        (f"http://127.0.0.1:{port}", None, True),
        (f"https://127.0.0.1:{port}", None, False),
        (f"http://127.0.0.1:{port + 1}", None, False),
        (f"http://localhost:{port}", None, False),
        # Behind a TLS proxy (X-Forwarded-Proto): only the https page.
        (f"https://127.0.0.1:{port}", "https", True),
        (f"http://127.0.0.1:{port}", "https", False),
    ]:
        headers = {"Cookie": f"sessionid={alice.session_id}"}
        if forwarded_proto:
            headers["X-Forwarded-Proto"] = forwarded_proto
        assert await opens_socket(chat_server, origin, headers) == opens, origin


async def opens_socket(server, origin, headers):
    url = f"{server.ws_url}/ws/rooms/general/?after=0"
    try:
        async with connect(url, origin=origin, additional_headers=headers):
            return True
    except InvalidStatus as refused:
        assert refused.response.status_code == 403
        return False


async def test_a_signed_out_session_opens_a_socket_that_cannot_post(
    chat_server, general, alice
):
    await sync_to_async(http_sign_out)(chat_server, alice.session_id)
    async with open_tab(chat_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.send(action="send", message="after signing out")
        assert await tab.expect_close() == 4401
        assert "Sign in to post." in tab.seen
    assert not await Message.objects.aexists()


async def test_a_deactivated_person_opens_a_socket_that_cannot_post(
    chat_server, general, alice
):
    alice.user.is_active = False
    await alice.user.asave()
    async with open_tab(chat_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.send(action="send", message="while deactivated")
        assert await tab.expect_close() == 4401
        assert "Sign in to post." in tab.seen
    assert not await Message.objects.aexists()


async def test_bad_input_is_refused_and_the_socket_stays_usable(
    chat_server, general, alice
):
    async with open_tab(chat_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.expect("alice joined")
        await tab.send(action="send", message="x" * 5001)
        refused = await tab.expect(r"at most 5000 characters")
        assert 'aria-invalid="true"' in refused
        await tab.send(action="send", message="   ")
        await tab.expect_nothing()
        await ws.send("this is not json")
        await tab.expect("That request was not understood.")
        await ws.send(json.dumps(["a", "list"]))
        await tab.send(action="send", message=["smuggled", "list"])
        await tab.send(action="send", message="still works")
        await tab.expect("still works")
        await tab.expect(
            r'<p id="composer-error" class="field-error" role="alert"></p>'
        )
    assert [m.body async for m in Message.objects.all()] == ["still works"]


async def test_markup_in_a_message_arrives_escaped(chat_server, general, alice):
    payload = (
        '<script>alert(1)</script><hx-partial hx-target="#composer">x</hx-partial>'
    )
    async with open_tab(chat_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.send(action="send", message=payload)
        frames = await tab.expect("alert")
    assert "<script>alert" not in frames
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;hx-partial" in frames


async def test_presence_shows_arrivals_and_departures_after_the_grace(
    chat_server, general, alice, bob
):
    async with open_tab(chat_server, person=alice) as a:
        watcher = Tab(a)
        async with open_tab(chat_server, person=bob):
            frames = await watcher.expect("bob joined")
            assert re.search(r">alice</a></li>\s*<li><a [^>]+>bob</a></li>", frames)
        watcher.seen = ""
        await watcher.expect_nothing(within=0.5)  # still inside the grace period
        frames = await watcher.expect("bob left")
        assert ">bob</a></li>" not in frames.split("bob left")[0]


async def test_a_tab_closed_in_the_middle_of_a_burst_still_leaves(
    chat_server, general, alice, bob
):
    async with open_tab(chat_server, person=alice) as a:
        watcher = Tab(a)
        async with open_tab(chat_server, person=bob):
            await watcher.expect("bob joined")
            for n in range(30):
                await watcher.send(action="send", message=f"burst {n}")
        await watcher.expect("bob left")


async def test_a_returning_tab_within_the_grace_is_not_announced(
    chat_server, general, alice, bob
):
    carol = await sync_to_async(sign_up)("carol")
    async with open_tab(chat_server, person=alice) as a:
        watcher = Tab(a)
        async with (
            open_tab(chat_server, person=carol),
            open_tab(chat_server, person=bob),
        ):
            await watcher.expect("bob joined")
        # Back within the grace. carol's tab closed after bob's, so the
        # goodbye that says she left comes after any that would say he did.
        async with open_tab(chat_server, person=bob):
            frames = await watcher.expect("carol left")
    assert "bob left" not in frames


async def test_a_killed_process_leaves_no_ghosts(chat_server, general, alice, bob):
    async with (
        open_tab(chat_server, person=bob),
        open_tab(chat_server, person=alice) as a,
    ):
        await Tab(a).expect("alice joined")
        await sync_to_async(chat_server.kill)()
    await sync_to_async(chat_server.start)()
    async with open_tab(chat_server, person=alice) as a:
        await Tab(a).expect("bob left", timeout=10)  # the test server's TTL is 3 s


async def test_signing_out_over_http_closes_every_socket_of_that_person(
    chat_server, general, alice
):
    tabs = [open_tab(chat_server, person=alice) for _ in range(2)]
    async with tabs[0] as first, tabs[1] as second:
        await Tab(second).expect("alice joined")
        await sync_to_async(http_sign_out)(chat_server, alice.session_id)
        for ws in (first, second):
            tab = Tab(ws)
            assert await tab.expect_close() == 4401
            assert "You signed out." in tab.seen


async def test_a_new_password_closes_every_socket_and_other_sessions(
    chat_server, general, alice
):
    elsewhere = await sync_to_async(signed_in_again)(alice.user)
    async with open_tab(chat_server, person=elsewhere) as ws:
        tab = Tab(ws)
        await tab.expect("alice joined")
        passwords = {
            "old_password": PASSWORD,
            "new_password1": "a-new-horse-battery",
            "new_password2": "a-new-horse-battery",
        }
        response = await sync_to_async(http_post)(
            chat_server, "/accounts/password/", passwords, "p" * 32, alice.session_id
        )
        assert response.status == 200  # the "password changed" page
        assert await tab.expect_close() == 4401
        assert "Your password changed." in tab.seen
    # The session elsewhere is dead: its new socket reads as nobody.
    async with open_tab(chat_server, person=elsewhere) as ws:
        tab = Tab(ws)
        await tab.send(action="send", message="still me?")
        assert await tab.expect_close() == 4401
        assert "Sign in to post." in tab.seen


async def test_deactivating_someone_tells_their_sockets_to_close(transactional_db):
    layer = get_channel_layer()
    user = await get_user_model().objects.acreate(username="mallory")
    channel = await layer.new_channel()
    await layer.group_add(broadcast.user_group(user.pk), channel)
    user.is_active = False
    await user.asave()
    event = await asyncio.wait_for(layer.receive(channel), timeout=5)
    assert event == {"type": "user.signed_out", "reason": "deactivated"}


def signed_in_again(user):
    client = Client()
    client.force_login(user)
    return Person(user, client.cookies["sessionid"].value)


async def test_signing_in_over_the_socket_upgrades_the_tab_and_the_cookie(
    chat_server, general, alice
):
    csrf = "c" * 32
    async with connect(
        f"{chat_server.ws_url}/ws/rooms/general/?after=0",
        origin=chat_server.url,
        additional_headers={"Cookie": f"csrftoken={csrf}"},
    ) as ws:
        tab = Tab(ws)
        await tab.send(action="sign-in", username="alice", password="wrong")
        await tab.expect("Please enter a correct username and password")
        await tab.send(action="sign-in", username="alice", password=PASSWORD)
        frames = await tab.expect(r'"token": "([^"]+)"')
        assert 'id="composer"' in frames
        token = re.search(r'"token": "([^"]+)"', frames)[1]

    stranger = await sync_to_async(http_post)(
        chat_server, "/accounts/session/", {"token": token}, "d" * 32
    )
    assert stranger.status == 400
    redeemed = await sync_to_async(http_post)(
        chat_server, "/accounts/session/", {"token": token}, csrf
    )
    assert redeemed.status == 200
    session_id = redeemed.cookies["sessionid"]
    assert session_id not in frames  # the page never holds the session key
    assert redeemed.cookies["csrftoken"] != csrf  # rotated, as an HTTP sign-in does
    replayed = await sync_to_async(http_post)(
        chat_server, "/accounts/session/", {"token": token}, csrf
    )
    assert replayed.status == 400

    page = await sync_to_async(http_get)(chat_server, "/rooms/general/", session_id)
    assert 'class="account-name">alice<' in page


async def test_signing_out_over_the_socket_keeps_the_tab_reading(
    chat_server, general, alice, bob
):
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=alice) as other,
    ):
        tab = Tab(a)
        await tab.expect("alice joined")
        await tab.send(action="sign-out")
        await tab.expect(r'id="sign-in"')
        assert await Tab(other).expect_close() == 4401
        async with open_tab(chat_server, person=bob) as b:
            await Tab(b).send(action="send", message="still live for readers")
            await tab.expect("still live for readers")
    page = await sync_to_async(http_get)(
        chat_server, "/rooms/general/", alice.session_id
    )
    assert 'id="sign-in"' in page


async def test_tabs_still_connecting_when_their_person_signs_out_close_too(
    chat_server, general, alice
):
    # Each opens (its "open" shows) before it joins the person's group.
    async with open_tab(chat_server, person=alice) as ws:
        signing_out = Tab(ws)
        await signing_out.expect("alice joined")
        async with contextlib.AsyncExitStack() as stack:
            opening = [open_tab(chat_server, person=alice) for _ in range(20)]
            tabs = await asyncio.gather(*map(stack.enter_async_context, opening))
            await signing_out.send(action="sign-out")
            codes = await asyncio.gather(*(Tab(tab).expect_close() for tab in tabs))
    assert codes == [4401] * len(tabs)


async def test_signing_out_and_back_in_on_one_socket(chat_server, general, alice):
    async with open_tab(chat_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.expect("alice joined")
        await tab.send(action="sign-out")
        await tab.expect(r'id="sign-in"')
        await tab.send(action="sign-in", username="alice", password=PASSWORD)
        await tab.expect(r'"token": "')
        await tab.send(action="send", message="back again")
        await tab.expect("back again")


async def test_the_emptied_composer_is_the_signed_in_persons(
    chat_server, general, alice, bob
):
    # The emptied composer is rendered once per person, then sent again.
    async with open_tab(chat_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.expect("alice joined")
        for body in ("from alice", "again from alice"):
            assert await composer_after_sending(tab, body) == alice.pk
        await tab.send(action="sign-out")
        await tab.expect(r'id="sign-in"')
        await tab.send(action="sign-in", username="bob", password=PASSWORD)
        await tab.expect(r'"token": "')
        assert await composer_after_sending(tab, "from bob") == bob.pk


async def composer_after_sending(tab, body):
    """Send a message; return the viewer of the composer the socket sends back."""
    tab.seen = ""
    await tab.send(action="send", message=body)
    sent = await tab.expect(r'<textarea id="composer-message"[^>]*>')
    return int(
        re.search(r'<textarea id="composer-message"[^>]*data-viewer="(\d+)"', sent)[1]
    )
