"""Too fast or too many is refused with a clear message; nobody else is held up."""

import contextlib
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.utils import timezone
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from accounts.forms import SignInForm
from accounts.models import FailedSignIn
from rooms.messages import forms, posting
from rooms.models import Message, Room

from .conftest import PASSWORD, start_chat_server
from .hostile_payloads import FORGED_FORWARDED_FOR
from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    server = start_chat_server(
        "limits",
        django_db_blocker,
        MESSAGE_RATE_LIMIT="3/10",
        SIGN_IN_ATTEMPT_LIMIT="3/180",
        EDIT_RATE_LIMIT="3/60",
        REACTION_RATE_LIMIT="5/60",
        SOCKETS_PER_SESSION="3",
        SOCKETS_PER_ADDRESS="8",
    )
    yield server
    server.stop()


async def test_posting_too_fast_is_refused_and_the_text_kept(
    server, general, alice, bob
):
    async with open_tab(server, person=alice) as a, open_tab(server, person=bob) as b:
        writer, reader = Tab(a), Tab(b)
        await reader.expect("bob joined")
        for n in range(4):
            await writer.send(action="send", message=f"quick {n}")
        await writer.expect("You are sending messages too fast.")
        assert ">quick 3</textarea>" in writer.seen
        await reader.expect("quick 2")
        # The limit is alice's own: bob goes on talking.
        await reader.send(action="send", message="bob is fine")
        await writer.expect("bob is fine")
    assert "quick 3" not in reader.seen
    assert await Message.objects.acount() == 4


async def test_a_flood_of_reactions_reaches_nobody_past_the_limit(
    server, general, alice, bob
):
    message = await sync_to_async(general.post)(bob.user, "react to me")
    async with open_tab(server, person=alice) as a, open_tab(server, person=bob) as b:
        flooder, reader = Tab(a), Tab(b)
        await reader.expect("alice joined|bob joined")
        for _ in range(500):
            await flooder.send(action="react", message_id=message.pk, emoji="👍")
        await flooder.expect("You are doing that too fast.")
        await flooder.send(action="send", message="flood over")
        await reader.expect("flood over")
    # Caught up on once, then five toggles stored and sent, not five hundred.
    assert reader.seen.count(f'id="message-{message.pk}"') == 1 + 5
    await message.arefresh_from_db()
    assert message.reactors == {"👍": [alice.user.pk]}


async def test_edits_past_the_limit_are_refused_and_the_text_kept(
    server, general, alice, bob
):
    message = await sync_to_async(general.post)(alice.user, "first draft")
    async with open_tab(server, person=alice) as a:
        tab = Tab(a)
        for n in range(4):
            await tab.send(action="edit", message_id=message.pk, message=f"take {n}")
        await tab.expect("You are doing that too fast.")
    await message.arefresh_from_db()
    assert message.body == "take 2"


def test_without_javascript_changes_past_the_limit_are_refused(
    general, alice, settings
):
    settings.EDIT_RATE_LIMIT = (1, 60)
    message = general.post(alice.user, "first draft")
    client = Client()
    client.force_login(alice.user)
    edit = f"/messages/{message.pk}/edit/"
    assert client.post(edit, {"message": "second"}).status_code == 302
    page = client.post(edit, {"message": "third"})
    assert page.status_code == 400
    assert "You are changing messages too fast." in page.content.decode()
    page = client.post(f"/messages/{message.pk}/delete/")
    assert page.status_code == 429
    assert "You are changing messages too fast." in page.content.decode()
    message.refresh_from_db()
    assert (message.body, message.deleted) == ("second", None)


async def test_typing_in_many_tabs_is_one_persons_typing(server, general, alice, bob):
    async with (
        open_tab(server, person=alice) as a1,
        open_tab(server, person=alice) as a2,
        open_tab(server, person=alice) as a3,
        open_tab(server, person=bob) as b,
    ):
        reader = Tab(b)
        await reader.expect("bob joined")
        for _ in range(3):
            for tab in (a1, a2, a3):
                await Tab(tab).send(action="typing")
        await Tab(a1).send(action="send", message="typed")
        await reader.expect("typed")
    assert reader.seen.count('class="typist"') == 1


async def test_sockets_past_a_sessions_limit_are_closed_saying_why(
    server, general, alice, bob
):
    async with (
        open_tab(server, person=alice),
        open_tab(server, person=alice),
        open_tab(server, person=alice) as third,
    ):
        await Tab(third).expect("alice joined")
        async with open_tab(server, person=alice) as fourth:
            refused = Tab(fourth)
            await refused.expect("Too many tabs of this chat are open here.")
            with pytest.raises(ConnectionClosed):
                await fourth.recv()
            assert fourth.close_code == 4429
        # bob's session is his own.
        async with open_tab(server, person=bob) as b:
            await Tab(b).expect("bob joined")
    # Closed tabs are given back.
    async with open_tab(server, person=alice) as again:
        await Tab(again).send(action="send", message="back again")
        await Tab(again).expect("back again")


async def test_sockets_past_an_addresss_limit_are_closed(server, general):
    tabs = [open_tab(server) for _ in range(8)]
    opened = [await tab.__aenter__() for tab in tabs]
    try:
        async with open_tab(server) as ninth:
            await Tab(ninth).expect("Too many tabs of this chat are open here.")
    finally:
        for tab in tabs:
            await tab.__aexit__(None, None, None)
    assert len(opened) == 8


TOO_MANY_SIGN_INS = "Too many failed sign-ins"
WRONG_PASSWORD = "Please enter a correct username and password"


def sign_in(username, password, address="192.0.2.1", **headers):
    """Post the sign-in page from an address; return the page or redirect."""
    return Client(REMOTE_ADDR=address, **headers).post(
        "/accounts/login/", {"username": username, "password": password}
    )


def test_ten_wrong_passwords_from_one_address_stop_it_and_say_why(transactional_db):
    get_user_model().objects.create_user("alice", password=PASSWORD)
    get_user_model().objects.create_user("bob", password=PASSWORD)
    for _ in range(10):
        response = sign_in("alice", "guess", address="192.0.2.1")
        assert WRONG_PASSWORD in response.content.decode()
    # Even the right password, lest the answer tell a guesser they had it.
    refused = sign_in("alice", PASSWORD, address="192.0.2.1")
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "Too many failed sign-ins from this network." in page
    assert "Wait 3 minutes, then try again." in page
    assert "_auth_user_id" not in refused.client.session
    # alice herself, from where she is, and anyone else sign in as usual.
    assert sign_in("alice", PASSWORD, address="198.51.100.1").status_code == 302
    assert sign_in("bob", PASSWORD, address="198.51.100.2").status_code == 302


def test_someone_elses_guesses_never_lock_a_person_out(transactional_db, settings):
    settings.SIGN_IN_ACCOUNT_LIMIT = (6, 3600)
    settings.SIGN_IN_SLOWDOWN_SECONDS = 0.5
    get_user_model().objects.create_user("alice", password=PASSWORD)
    # Guesses on alice's account from many addresses, each under its limit;
    # more than SIGN_IN_ATTEMPT_LIMIT (10) in all.
    for n in range(12):
        sign_in("alice", "guess", address=f"192.0.2.{n}")
    # Now every attempt on her account waits, hers too; none is refused.
    started = time.monotonic()
    assert sign_in("alice", PASSWORD, address="198.51.100.1").status_code == 302
    assert time.monotonic() - started >= 0.5
    # However the name is typed, and on the admin's sign-in page too.
    assert SignInForm.slowdown_for(" ａｌｉｃｅ ") == 0.5
    started = time.monotonic()
    Client(REMOTE_ADDR="198.51.100.2").post(
        "/admin/login/", {"username": "alice", "password": "guess"}
    )
    assert time.monotonic() - started >= 0.5
    # Other accounts are not slowed.
    assert SignInForm.slowdown_for("bob") == 0


def test_ten_wrong_passwords_from_one_address_lock_that_address(transactional_db):
    get_user_model().objects.create_user("alice", password=PASSWORD)
    for n in range(10):
        sign_in(f"someone{n}", "guess", address="203.0.113.5")
    page = sign_in("alice", PASSWORD, address="203.0.113.5").content.decode()
    assert TOO_MANY_SIGN_INS in page
    assert sign_in("alice", PASSWORD, address="203.0.113.6").status_code == 302


def test_signing_in_works_again_once_the_window_has_passed(transactional_db):
    get_user_model().objects.create_user("alice", password=PASSWORD)
    for _ in range(10):
        sign_in("alice", "guess")
    assert TOO_MANY_SIGN_INS in sign_in("alice", PASSWORD).content.decode()
    three_minutes_ago = timezone.now() - timedelta(minutes=3, seconds=1)
    FailedSignIn.objects.update(created=three_minutes_ago)
    assert sign_in("alice", PASSWORD).status_code == 302
    # Kept for the account's hour-long count, then swept as new ones come.
    FailedSignIn.objects.update(created=timezone.now() - timedelta(minutes=61))
    sign_in("alice", "guess")
    assert FailedSignIn.objects.count() == 1


def sign_in_over_http(server, username, password, forwarded_for=None):
    """Post the server's sign-in page as a client that may forge headers."""
    csrf = "c" * 32
    headers = {"Cookie": f"csrftoken={csrf}", "Origin": server.url}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    request = urllib.request.Request(
        f"{server.url}/accounts/login/",
        data=urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": csrf}
        ).encode(),
        headers=headers,
    )
    with contextlib.suppress(urllib.error.HTTPError):
        return urllib.request.urlopen(request).read().decode()
    return ""


def test_by_default_no_forwarded_header_chooses_the_address(server, alice):
    # The Procfile's server, no PROXY_COUNT: a client that claims a new
    # address each time is still counted at its own.
    forged = iter(FORGED_FORWARDED_FOR)
    for _ in range(3):
        page = sign_in_over_http(server, "alice", "guess", next(forged))
        assert WRONG_PASSWORD in page
    page = sign_in_over_http(server, "alice", PASSWORD, next(forged))
    assert TOO_MANY_SIGN_INS in page
    assert set(FailedSignIn.objects.values_list("client_address", flat=True)) == {
        "127.0.0.1"
    }


@pytest.fixture(scope="module")
def server_behind_one_proxy(django_db_setup, django_db_blocker):
    server = start_chat_server(
        "limits-proxy",
        django_db_blocker,
        SIGN_IN_ATTEMPT_LIMIT="3/180",
        PROXY_COUNT="1",
    )
    yield server
    server.stop()


def test_behind_a_proxy_the_entry_it_appended_counts(server_behind_one_proxy, alice):
    server = server_behind_one_proxy
    for n in range(3):
        # The client wrote the first entry; the proxy appended the second.
        sign_in_over_http(server, "alice", "guess", f"10.9.9.{n}, 203.0.113.7")
    page = sign_in_over_http(server, "alice", PASSWORD, "10.0.0.1, 203.0.113.7")
    assert TOO_MANY_SIGN_INS in page
    # Skipping the proxy (no header) counts the connection's own address.
    assert WRONG_PASSWORD in sign_in_over_http(server, "alice", "guess")
    assert set(FailedSignIn.objects.values_list("client_address", flat=True)) == {
        "203.0.113.7",
        "127.0.0.1",
    }


async def test_wrong_passwords_over_the_socket_and_http_share_one_count(
    server_behind_one_proxy, general, alice, bob
):
    server = server_behind_one_proxy

    def anonymous_tab(address):
        return connect(
            f"{server.ws_url}/ws/rooms/general/?after=0",
            origin=server.url,
            # As the proxy in front would append it.
            additional_headers={"X-Forwarded-For": address},
        )

    page = await sync_to_async(sign_in_over_http)(
        server, "alice", "guess", "192.0.2.50"
    )
    assert WRONG_PASSWORD in page
    async with anonymous_tab("192.0.2.50") as ws:
        tab = Tab(ws)
        for _ in range(2):
            await tab.send(action="sign-in", username="alice", password="guess")
            await tab.expect(WRONG_PASSWORD)
            tab.seen = ""
        await tab.send(action="sign-in", username="alice", password=PASSWORD)
        await tab.expect("Too many failed sign-ins from this network.")
        assert 'role="alert"' in tab.seen
        assert '"token"' not in tab.seen
    # Another person, from elsewhere, is not held up.
    async with anonymous_tab("198.51.100.21") as ws:
        tab = Tab(ws)
        await tab.send(action="sign-in", username="bob", password=PASSWORD)
        await tab.expect('"token": "')
        await tab.send(action="send", message="bob signed in")
        await tab.expect("bob signed in")


def test_the_admin_sign_in_page_has_the_same_limit(transactional_db):
    get_user_model().objects.create_superuser("root", password=PASSWORD)
    for _ in range(10):
        Client().post("/admin/login/", {"username": "root", "password": "guess"})
    response = Client().post(
        "/admin/login/", {"username": "root", "password": PASSWORD}
    )
    assert TOO_MANY_SIGN_INS in response.content.decode()


def test_creating_too_many_rooms_is_refused_with_a_clear_error(transactional_db):
    alice = get_user_model().objects.create_user("alice", password=PASSWORD)
    bob = get_user_model().objects.create_user("bob", password=PASSWORD)
    client = Client()
    client.force_login(alice)
    for n in range(5):
        assert client.post("/rooms/new/", {"name": f"room {n}"}).status_code == 302
    refused = client.post("/rooms/new/", {"name": "room 5", "private": "on"})
    page = refused.content.decode()
    assert refused.status_code == 400
    assert "You have created 5 rooms in the last 60 minutes, the most allowed." in page
    assert 'value="room 5"' in page
    assert not Room.objects.filter(slug="room-5").exists()
    # Bob is not held up, and neither is alice once the hour has passed.
    client.force_login(bob)
    assert client.post("/rooms/new/", {"name": "bobs room"}).status_code == 302
    an_hour_ago = timezone.now() - timedelta(hours=1, seconds=1)
    Room.objects.filter(created_by=alice).update(created=an_hour_ago)
    client.force_login(alice)
    assert client.post("/rooms/new/", {"name": "room 5"}).status_code == 302


def test_two_posts_at_once_are_counted_one_after_the_other(
    general, alice, settings, monkeypatch
):
    """Each post counts, then stores: two at once must not both count the
    same number and both be stored past the limit."""
    settings.MESSAGE_RATE_LIMIT = (1, 60)
    # Each post waits for the other just after counting, as long as it may.
    both_counted = threading.Barrier(2, timeout=0.5)
    count = forms.count_messages_posted_since

    def counting_at_once(author, since):
        counted = count(author, since)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait()
        return counted

    monkeypatch.setattr(forms, "count_messages_posted_since", counting_at_once)

    def post(text):
        try:
            posting.post(general, alice.user, {"message": text})
        finally:
            connection.close()

    posts = [threading.Thread(target=post, args=(f"at once {n}",)) for n in (1, 2)]
    for thread in posts:
        thread.start()
    for thread in posts:
        thread.join()
    assert Message.objects.filter(author=alice.user).count() == 1
