"""With REDIS_URL set, rooms broadcast through a real Redis."""

import os
import socket
from urllib.parse import urlsplit

import pytest
import redis.asyncio

from .conftest import redis_prefix, require, start_chat_server
from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_is_up():
    address = urlsplit(REDIS_URL)
    try:
        socket.create_connection(
            (address.hostname, address.port or 6379), timeout=1
        ).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def redis_server(django_db_setup, django_db_blocker):
    require(redis_is_up(), f"no Redis at {REDIS_URL}")
    server = start_chat_server("redis", django_db_blocker, REDIS_URL=REDIS_URL)
    yield server
    server.stop()


async def test_a_message_reaches_the_room_through_redis(
    redis_server, general, alice, bob
):
    async with (
        open_tab(redis_server, person=alice) as a,
        open_tab(redis_server, person=bob) as b,
    ):
        await Tab(b).expect("bob joined")
        prefix = redis_prefix("redis")
        subscribed = await redis.asyncio.from_url(REDIS_URL).pubsub_channels(
            f"{prefix}*"
        )
        assert f"{prefix}__group__room.{general.pk}".encode() in subscribed
        await Tab(a).send(action="send", message="via redis")
        await Tab(b).expect("via redis")
