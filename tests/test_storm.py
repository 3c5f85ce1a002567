"""A deploy reconnects everyone at once: all get in, all leave cleanly."""

import asyncio
import re
import resource
import time

import pytest
import redis.asyncio
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.db import SessionStore
from websockets.asyncio.client import connect

from rooms.models import Presence

from .conftest import redis_prefix, require, start_chat_server
from .test_redis_layer import REDIS_URL, redis_is_up

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 1000


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    require(redis_is_up(), f"no Redis at {REDIS_URL}")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * PEOPLE)), hard))
    server = start_chat_server("storm", django_db_blocker, REDIS_URL=REDIS_URL)
    yield server
    server.stop()


@pytest.fixture
def session_ids(general):
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"person{n}") for n in range(PEOPLE)
    )
    ids = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        ids.append(session.session_key)
    return ids


async def test_a_thousand_people_connect_at_once_and_leave_without_a_trace(
    server, general, session_ids
):
    started = time.monotonic()
    sockets = await asyncio.gather(
        *(
            connect(
                f"{server.ws_url}/ws/rooms/general/?after=0",
                origin=server.url,
                additional_headers={"Cookie": f"sessionid={session_id}"},
                open_timeout=30,
            )
            for session_id in session_ids
        ),
        return_exceptions=True,
    )
    failed = [error for error in sockets if isinstance(error, BaseException)]
    print(
        f"\n{PEOPLE} at once: {PEOPLE - len(failed)} connected, {len(failed)} failed, "
        f"{time.monotonic() - started:.2f} s"
    )
    assert failed == []
    assert "Traceback" not in server.log()
    assert not re.search(r'" 5\d\d ', server.log())  # no HTTP 5xx

    started = time.monotonic()
    await asyncio.gather(*(ws.close() for ws in sockets))
    redis_client = redis.asyncio.from_url(REDIS_URL)
    room_group = f"{redis_prefix('storm')}__group__room.{general.pk}".encode()

    async def traces():
        subscribers = (await redis_client.pubsub_numsub(room_group))[0][1]
        return await Presence.objects.acount(), subscribers

    try:
        # Alone, the leaving takes about 21 s on Postgres here (it once took
        # under 1 s: a slowdown to find, noted in issue 32); beside the
        # other run's browsers it passed 30.
        async with asyncio.timeout(60):
            while await traces() != (0, 0):
                await asyncio.sleep(0.2)
    finally:
        rows, subscribers = await traces()
        print(
            f"{PEOPLE} leaving: {time.monotonic() - started:.2f} s, "
            f"{rows} presence rows and {subscribers} subscribers left"
        )
        await redis_client.aclose()
