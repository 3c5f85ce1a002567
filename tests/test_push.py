"""Web Push from a real uvicorn process to a push endpoint on loopback,
which decrypts each push (RFC 8291) as a browser's push service would
hand it on."""

import asyncio
import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from asgiref.sync import sync_to_async
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client, override_settings

from accounts.models import Profile, PushSubscription
from bench.servers import free_port
from rooms.models import Delivery, ReadMark, Room

from .conftest import sign_up, start_chat_server, write_within_a_second
from .hostile_payloads import PRIVATE_URLS
from .sockets import open_tab
from .test_notify_email import post

pytestmark = pytest.mark.django_db(transaction=True)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def key_pair():
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint
    )
    return key, b64url(public)


SERVER_KEY, SERVER_PUBLIC = key_pair()
SERVER_PRIVATE = b64url(SERVER_KEY.private_numbers().private_value.to_bytes(32, "big"))


class PushService:
    """A push endpoint on loopback: keeps each browser's pushes, decrypted."""

    def __init__(self):
        self.browsers = {}  # path: (private key, auth secret)
        self.pushes = []  # (path, headers, payload, arrived at)
        self.probes = []  # what write_while_pushed found, push by push
        self.redirected = []  # POSTs that followed a redirect
        self.failed = []  # pushes answered 503
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/gone":
                    self.send_response(410)
                    self.end_headers()
                    return
                if self.path == "/flaky" and not service.failed:
                    service.failed.append(self.path)  # down once, then up
                    self.send_response(503)
                    self.end_headers()
                    return
                if self.path == "/moved":  # to where the chat must not go
                    self.send_response(307)
                    self.send_header("Location", "/internal")
                    self.end_headers()
                    return
                if self.path == "/internal":
                    service.redirected.append(self.path)
                    self.send_response(201)
                    self.end_headers()
                    return
                if self.path == "/probe":
                    service.probes.append(write_while_pushed())
                key, auth = service.browsers[self.path]
                clear = http_ece.decrypt(body, private_key=key, auth_secret=auth)
                service.pushes.append(
                    (
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        json.loads(clear),
                        time.monotonic(),
                    )
                )
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def subscribe(self, person, path):
        key, public = key_pair()
        auth = os.urandom(16)
        self.browsers[path] = (key, auth)
        return PushSubscription.objects.create(
            user=person.user,
            endpoint=f"http://127.0.0.1:{self.server.server_port}{path}",
            p256dh=public,
            auth=b64url(auth),
        )

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    def to(self, path):
        return [push for push in self.pushes if push[0] == path]

    async def wait_for(self, path, timeout=15):
        async with asyncio.timeout(timeout):
            while not self.to(path):
                await asyncio.sleep(0.02)
        return self.to(path)


def write_while_pushed():
    """The push's own Delivery row, written while it is in flight."""
    return write_within_a_second(Delivery.objects.all(), "due")


@pytest.fixture(scope="module")
def push_service():
    service = PushService()
    yield service
    service.server.shutdown()


@pytest.fixture
def pushes(push_service, transactional_db):
    push_service.pushes.clear()
    push_service.probes.clear()
    push_service.redirected.clear()
    push_service.failed.clear()
    return push_service


@pytest.fixture(scope="module")
def push_server(django_db_setup, django_db_blocker):
    server = start_chat_server(
        "push",
        django_db_blocker,
        VAPID_PUBLIC_KEY=SERVER_PUBLIC,
        VAPID_PRIVATE_KEY=SERVER_PRIVATE,
        VAPID_SUBJECT="mailto:ops@example.com",
        PUSH_ALLOW_PRIVATE="1",
        PUSH_SWEEP_SECONDS="0.1",
        DELIVERY_RETRY_SECONDS="0.2",
    )
    yield server
    server.stop()


async def test_a_mention_reaches_the_browser_encrypted_and_signed(
    push_server, pushes, general, alice, bob
):
    await sync_to_async(pushes.subscribe)(alice, "/alice")
    posted = time.monotonic()
    await post(push_server, bob, "general", "@alice are you there?")
    [(_, headers, payload, arrived)] = await pushes.wait_for("/alice")
    assert payload["title"] == "bob in #general"
    # Who, where and why; never what: a notification shows on a locked screen.
    assert payload["body"] == "bob mentioned you"
    assert "are you there" not in json.dumps(payload)
    assert payload["url"].startswith("/rooms/general/?around=")
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    assert f"k={SERVER_PUBLIC}" in headers["authorization"]
    print(f"mention to push request: {(arrived - posted) * 1000:.0f} ms")


async def test_no_push_to_the_author_a_muted_room_or_a_room_on_screen(
    push_server, pushes, general, alice, bob
):
    await Room.objects.acreate(name="random", slug="random")
    await sync_to_async(pushes.subscribe)(alice, "/alice")
    await sync_to_async(pushes.subscribe)(bob, "/bob")
    await ReadMark.objects.acreate(user=alice.user, room=general, muted=True)
    async with open_tab(push_server, "random", person=alice):
        await post(push_server, bob, "general", "chatter in a muted room")
        await post(push_server, bob, "random", "@alice you are looking at this")
        await post(push_server, bob, "general", "@alice a mention gets through")
        [(_, _, payload, _)] = await pushes.wait_for("/alice")
    assert (payload["title"], payload["body"]) == (
        "bob in #general",
        "bob mentioned you",
    )
    assert pushes.to("/bob") == []


async def test_a_direct_message_is_pushed_and_a_forgotten_browser_dropped(
    push_server, pushes, general, alice, bob
):
    await sync_to_async(pushes.subscribe)(alice, "/alice")
    gone = await sync_to_async(pushes.subscribe)(alice, "/gone")
    conversation = await sync_to_async(Room.objects.direct_for)([alice.user, bob.user])
    await post(push_server, bob, conversation.slug, "just between us")
    [(_, _, payload, _)] = await pushes.wait_for("/alice")
    assert payload["title"] == "bob (direct message)"
    async with asyncio.timeout(10):
        while await PushSubscription.objects.filter(pk=gone.pk).aexists():
            await asyncio.sleep(0.05)


async def test_a_reply_is_pushed_to_those_who_follow_its_thread(
    push_server, pushes, general, alice, bob
):
    carol = await sync_to_async(sign_up)("carol")
    await sync_to_async(pushes.subscribe)(alice, "/alice")
    await sync_to_async(pushes.subscribe)(bob, "/bob")
    await sync_to_async(pushes.subscribe)(carol, "/carol")
    # Stored as the one post path stores; the sweep reads what is stored.
    question = await sync_to_async(general.post)(alice.user, "Who has the keys?")
    await sync_to_async(general.post)(bob.user, "I do", thread=question)
    [(_, _, payload, _)] = await pushes.wait_for("/alice")
    assert payload["body"] == "bob replied in a thread you follow"
    assert payload["url"].startswith(f"/rooms/general/threads/{question.pk}/#reply-")
    # bob follows now, having replied: carol's reply reaches both.
    await sync_to_async(general.post)(
        carol.user, "Spare ones in the drawer", thread=question
    )
    [(_, _, to_bob, _)] = await pushes.wait_for("/bob")
    assert to_bob["body"] == "carol replied in a thread you follow"
    async with asyncio.timeout(10):
        while len(pushes.to("/alice")) < 2:
            await asyncio.sleep(0.05)
    assert pushes.to("/carol") == []  # neither hers nor followed


async def test_a_push_in_flight_holds_no_lock(push_server, pushes, general, alice, bob):
    # On SQLite a lock held through the push would be the one every writer
    # waits for, posts included, for as long as the push service takes.
    await sync_to_async(pushes.subscribe)(alice, "/probe")
    await post(push_server, bob, "general", "@alice while the service thinks")
    await pushes.wait_for("/probe")
    assert pushes.probes == ["written"]


async def test_a_push_service_that_is_down_misses_only_its_own_push(
    push_server, pushes, general, alice, bob
):
    # alice's first browser's push service is down; her second's is up.
    dead = f"http://127.0.0.1:{free_port()}/nobody-listens"
    await PushSubscription.objects.acreate(
        user=alice.user, endpoint=dead, p256dh=SERVER_PUBLIC, auth=b64url(b"0" * 16)
    )
    await sync_to_async(pushes.subscribe)(alice, "/alice")
    await post(push_server, bob, "general", "@alice on either browser")
    [(_, _, payload, _)] = await pushes.wait_for("/alice")
    assert payload["body"] == "bob mentioned you"


async def test_a_push_the_service_could_not_take_is_sent_again(
    push_server, pushes, general, alice, bob
):
    await sync_to_async(pushes.subscribe)(alice, "/flaky")
    await post(push_server, bob, "general", "@alice after a 503")
    await pushes.wait_for("/flaky")
    assert pushes.failed == ["/flaky"]


async def test_a_browser_with_keys_that_encrypt_nothing_is_dropped(
    push_server, pushes, general, alice, bob
):
    broken = await PushSubscription.objects.acreate(
        user=alice.user, endpoint=f"{pushes.url}/broken", p256dh="a" * 87, auth="b" * 22
    )
    await sync_to_async(pushes.subscribe)(alice, "/alice")
    await post(push_server, bob, "general", "@alice despite the broken one")
    await pushes.wait_for("/alice")
    assert not await PushSubscription.objects.filter(pk=broken.pk).aexists()


async def test_a_push_service_that_redirects_is_not_followed(
    push_server, pushes, general, alice, bob
):
    # Pushed in the order subscribed: the redirect is answered before the
    # second browser's push goes.
    moved = await sync_to_async(pushes.subscribe)(alice, "/moved")
    await sync_to_async(pushes.subscribe)(alice, "/alice")
    await post(push_server, bob, "general", "@alice behind a redirect")
    await pushes.wait_for("/alice")
    assert pushes.redirected == []
    assert await PushSubscription.objects.filter(pk=moved.pk).aexists()


async def test_a_subscription_that_cannot_be_signed_costs_only_itself(
    push_server, pushes, general, alice, bob
):
    # Stored before the subscribe view refused such hosts: py_vapid cannot
    # sign for an IPv6 address, and its error ended the whole round.
    port = pushes.server.server_port
    unsignable = await PushSubscription.objects.acreate(
        user=alice.user,
        endpoint=f"http://[::127.0.0.1]:{port}/x",
        p256dh=SERVER_PUBLIC,
        auth=b64url(b"0" * 16),
    )
    # Pushed after the unsignable one, in the same round.
    await sync_to_async(pushes.subscribe)(alice, "/alice")
    await post(push_server, bob, "general", "@alice despite the other")
    await pushes.wait_for("/alice")
    assert not await PushSubscription.objects.filter(pk=unsignable.pk).aexists()


async def test_a_push_names_the_author_as_they_show(
    push_server, pushes, general, alice, bob
):
    await Profile.objects.acreate(user=bob.user, display_name="Bob Builder")
    await sync_to_async(pushes.subscribe)(alice, "/alice")
    await post(push_server, bob, "general", "@alice can we fix it?")
    [(_, _, payload, _)] = await pushes.wait_for("/alice")
    assert payload["title"] == "Bob Builder in #general"


SUBSCRIPTION = {"keys": {"p256dh": SERVER_PUBLIC, "auth": b64url(b"0" * 16)}}


def subscribe(client, endpoint):
    body = json.dumps({**SUBSCRIPTION, "endpoint": endpoint})
    return client.post(
        "/accounts/push/subscribe/", body, content_type="application/json"
    )


def test_a_subscription_must_name_a_push_service_on_the_internet(alice):
    client = Client()
    client.force_login(alice.user)
    for endpoint in PRIVATE_URLS:
        response = subscribe(client, endpoint)
        assert response.status_code == 400, endpoint
        assert "cannot be reached" in response.json()["error"]
    assert subscribe(client, "not json").status_code == 400
    assert not PushSubscription.objects.exists()


@override_settings(
    PUSH_ALLOW_PRIVATE=True,
    VAPID_PUBLIC_KEY=SERVER_PUBLIC,
    VAPID_PRIVATE_KEY=SERVER_PRIVATE,
)
def test_a_subscription_this_chat_cannot_sign_for_is_refused(alice):
    client = Client()
    client.force_login(alice.user)
    for endpoint in ["https://[::127.0.0.1]:8260/x", "https://user:pw@push.test/x"]:
        response = subscribe(client, endpoint)
        assert response.status_code == 400, endpoint
    assert subscribe(client, "https://push.test:8443/x").status_code == 201
    assert PushSubscription.objects.count() == 1


@override_settings(PUSH_ALLOW_PRIVATE=True)
def test_subscribing_and_unsubscribing_a_browser(alice, bob):
    client = Client()
    client.force_login(alice.user)
    assert subscribe(client, "http://127.0.0.1:9/browser").status_code == 201
    assert PushSubscription.objects.get().user == alice.user
    anonymous = Client()
    assert subscribe(anonymous, "http://127.0.0.1:9/other").status_code == 302
    body = json.dumps({"endpoint": "http://127.0.0.1:9/browser"})
    stranger = Client()
    stranger.force_login(bob.user)
    stranger.post("/accounts/push/unsubscribe/", body, content_type="application/json")
    assert PushSubscription.objects.exists()  # not bob's to remove
    client.post("/accounts/push/unsubscribe/", body, content_type="application/json")
    assert not PushSubscription.objects.exists()
