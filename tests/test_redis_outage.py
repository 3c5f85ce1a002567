"""A Redis outage never turns a sent message into a lost one."""

import shutil

import pytest
from asgiref.sync import sync_to_async

from rooms.models import Message

from .conftest import PrivateRedis, require, start_chat_server
from .sockets import Tab, http_get, http_post, http_sign_out, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def redis_and_server(django_db_setup, django_db_blocker):
    require(shutil.which("redis-server"), "redis-server is not installed")
    redis = PrivateRedis()
    redis.start()
    server = start_chat_server("redis-outage", django_db_blocker, REDIS_URL=redis.url)
    yield redis, server
    server.stop()
    redis.stop()


async def test_a_message_sent_during_an_outage_is_stored_shown_and_delivered_later(
    redis_and_server, general, alice, bob
):
    redis, server = redis_and_server
    async with open_tab(server, person=alice) as a, open_tab(server, person=bob) as b:
        sender, receiver = Tab(a), Tab(b)
        await receiver.expect("bob joined")
        await sync_to_async(redis.stop)()
        await sender.send(action="send", message="during the outage")
        frames = await sender.expect("Live delivery is interrupted")
        assert "during the outage" in frames
        assert await Message.objects.filter(body="during the outage").aexists()
        await sync_to_async(redis.start)()
        await receiver.expect("during the outage", timeout=20)


async def test_a_message_posted_over_http_during_an_outage_says_so(
    redis_and_server, general, alice, bob
):
    redis, server = redis_and_server
    async with open_tab(server, person=bob) as b:
        receiver = Tab(b)
        await receiver.expect("bob joined")
        await sync_to_async(redis.stop)()
        try:
            # As the composer's htmx request does, for a message with files.
            answer = await sync_to_async(http_post)(
                server,
                "/rooms/general/messages/",
                {"message": "by form"},
                "o" * 32,
                alice.session_id,
                headers={"HX-Request": "true"},
            )
        finally:
            await sync_to_async(redis.start)()
        assert "Live delivery is interrupted" in answer.text
        await receiver.expect("by form", timeout=20)


async def test_signing_out_during_an_outage_still_ends_the_session(
    redis_and_server, general, alice
):
    redis, server = redis_and_server
    await sync_to_async(redis.stop)()
    try:
        await sync_to_async(http_sign_out)(server, alice.session_id)
        page = await sync_to_async(http_get)(
            server, "/rooms/general/", alice.session_id
        )
        assert 'id="sign-in"' in page
    finally:
        await sync_to_async(redis.start)()
