"""Two web processes behind one Redis serve one room as if they were one."""

import shutil

import pytest
from asgiref.sync import sync_to_async

from .conftest import PrivateRedis, require, start_processes_on_redis
from .sockets import Tab, http_post, http_sign_out, open_tab
from .test_lobby_socket import live_lobby, open_lobby
from .test_redis_layer import REDIS_URL, redis_is_up

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def processes(django_db_setup, django_db_blocker):
    require(redis_is_up(), f"no Redis at {REDIS_URL}")
    servers = start_processes_on_redis("process", django_db_blocker, REDIS_URL)
    yield servers
    for server in servers:
        server.stop()


async def test_messages_typing_and_presence_cross_processes(
    processes, general, alice, bob
):
    first, second = processes
    async with open_tab(first, person=alice) as a:
        alice_tab = Tab(a)
        async with open_tab(second, person=bob) as b:
            bob_tab = Tab(b)
            frames = await alice_tab.expect("bob joined")
            assert ">alice</a></li>" in frames and ">bob</a></li>" in frames
            await alice_tab.send(action="typing")
            await bob_tab.expect(f'id="typist-{alice.pk}"')
            await alice_tab.send(action="send", message="from process one")
            await bob_tab.expect("from process one")
            await bob_tab.send(action="send", message="from process two")
            await alice_tab.expect("from process two")
        await alice_tab.expect("bob left")


async def test_signing_out_on_one_process_closes_sockets_on_the_other(
    processes, general, alice
):
    first, second = processes
    async with open_tab(second, person=alice) as ws:
        tab = Tab(ws)
        await tab.expect("alice joined")
        await sync_to_async(http_sign_out)(first, alice.session_id)
        assert await tab.expect_close() == 4401


async def test_a_room_opened_on_one_process_is_listed_on_the_other(
    processes, general, alice, bob
):
    first, second = processes
    async with open_lobby(second, alice) as ws:
        lobby = await live_lobby(ws)
        form = {"name": "design", "private": ""}
        await sync_to_async(http_post)(
            first, "/rooms/new/", form, "r" * 32, bob.session_id
        )
        await lobby.expect('data-room="design"')


async def test_processes_share_a_room_over_tls_redis(
    django_db_blocker, general, alice, bob
):
    require(shutil.which("redis-server"), "redis-server is not installed")
    redis = PrivateRedis(tls=True)
    redis.start()
    first, second = start_processes_on_redis("tls", django_db_blocker, redis.url)
    try:
        async with (
            open_tab(first, person=alice) as a,
            open_tab(second, person=bob) as b,
        ):
            await Tab(a).expect("bob joined")
            await Tab(a).send(action="send", message="over rediss://")
            await Tab(b).expect("over rediss://")
    finally:
        for server in (first, second, redis):
            server.stop()
