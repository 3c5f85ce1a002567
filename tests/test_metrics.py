"""/metrics: Prometheus's text format for the bearer of METRICS_TOKEN, and
the figures moving as two people chat on a server of two processes."""

import asyncio
import urllib.request

import pytest
from asgiref.sync import sync_to_async
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect

from .conftest import require, start_chat_server
from .sockets import Tab, open_tab
from .test_redis_layer import REDIS_URL, redis_is_up

TOKEN = "a-metrics-token"
OPEN_ROOMS = ("chat_open_sockets", (("kind", "room"),))
POOL_SIZE = ("chat_db_pool_connections", (("state", "size"),))


@override_settings(METRICS_TOKEN="")
def test_there_is_no_metrics_page_without_a_token_set(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_metrics_want_the_token(client):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-it"})
    assert wrong.status_code == 401
    right = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200
    assert right["Content-Type"].startswith("text/plain; version=")
    # Requests are counted by their route, not their path.
    client.get("/rooms/no-such-room/")
    figures = scrape_text(client)
    assert 'chat_http_requests_total{route="rooms/<slug:slug>/",' in figures
    assert "no-such-room" not in figures


def scrape_text(client):
    headers = {"Authorization": f"Bearer {TOKEN}"}
    return client.get("/metrics", headers=headers).content.decode()


def scrape(server):
    """Return {(name, labels): value} from a server's /metrics."""
    request = urllib.request.Request(
        f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    text = urllib.request.urlopen(request).read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture(scope="module")
def two_processes(django_db_setup, django_db_blocker):
    require(redis_is_up(), f"no Redis at {REDIS_URL}")
    server = start_chat_server(
        "metrics",
        django_db_blocker,
        REDIS_URL=REDIS_URL,
        WEB_CONCURRENCY="2",
        METRICS_TOKEN=TOKEN,
    )
    yield server
    server.stop()


# On Postgres, where the processes' pools are read too.
@pytest.mark.one_run("postgres")
@pytest.mark.django_db(transaction=True)
async def test_figures_move_as_two_people_chat_on_two_processes(
    two_processes, general, alice, bob
):
    before = await sync_to_async(scrape)(two_processes)
    async with (
        open_tab(two_processes, person=alice) as a,
        open_tab(two_processes, person=bob) as b,
    ):
        alice_tab, bob_tab = Tab(a), Tab(b)
        await alice_tab.expect("bob joined")
        await alice_tab.send(action="send", message="hello bob")
        await bob_tab.expect("hello bob")
        await bob_tab.send(action="send", message="hello alice")
        await alice_tab.expect("hello alice")
        # Whichever process answers, it counts both processes' sockets.
        scrapes = [await sync_to_async(scrape)(two_processes) for _ in range(4)]
    for during in scrapes:
        assert during[OPEN_ROOMS] == 2
    during = scrapes[-1]

    def moved(name, labels=()):
        return during[name, labels] - before.get((name, labels), 0)

    assert moved("chat_messages_posted_total") == 2
    # Each message at least to the other person's tab.
    assert moved("chat_deliveries_total") >= 2
    assert moved("chat_broadcast_latency_seconds_count") >= 2
    # bob's page comes back from before both messages, and says so.
    again = f"{two_processes.ws_url}/ws/rooms/general/?after=0&reconnect=1"
    cookie = {"Cookie": f"sessionid={bob.session_id}"}
    async with connect(again, origin=two_processes.url, additional_headers=cookie) as b:
        await Tab(b).expect("hello alice")
    caught_up = await sync_to_async(scrape)(two_processes)
    assert (
        caught_up["chat_reconnects_total", ()] - during["chat_reconnects_total", ()]
        == 1
    )
    assert caught_up["chat_catch_up_messages_total", ()] >= 2 + before.get(
        ("chat_catch_up_messages_total", ()), 0
    )
    async with asyncio.timeout(5):  # the sockets' close reaches the server
        while (await sync_to_async(scrape)(two_processes))[OPEN_ROOMS]:
            await asyncio.sleep(0.05)
    async with asyncio.timeout(10):  # each process reads its pool every 5 s
        while not (await sync_to_async(scrape)(two_processes))[POOL_SIZE]:
            await asyncio.sleep(0.2)
