"""A web process dies while its people are connected; they miss nothing."""

import time

import pytest
from playwright.sync_api import expect

from ..conftest import require, start_processes_on_redis
from ..test_redis_layer import REDIS_URL, redis_is_up
from .conftest import join_room, message_bodies, send_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def processes(django_db_setup, django_db_blocker):
    require(redis_is_up(), f"no Redis at {REDIS_URL}")
    servers = start_processes_on_redis("restart", django_db_blocker, REDIS_URL)
    yield servers
    for server in servers:
        server.stop()


@pytest.mark.parametrize("death", ["SIGTERM", "SIGKILL"])
def test_people_on_a_dead_process_catch_up_after_it_returns(
    browser, processes, general, alice, bob, death
):
    first, second = processes
    bob_page = open_as(browser, first, bob)
    alice_page = open_as(browser, second, alice)
    join_room(bob_page)
    join_room(alice_page)
    send_message(alice_page, "before the restart")
    expect(message_bodies(bob_page)).to_have_text(["before the restart"])

    if death == "SIGTERM":
        first.stop()  # graceful: uvicorn closes sockets with 1012, a retry code
    else:
        first.kill()
    banner = bob_page.locator("#connection")
    expect(banner).to_have_attribute("data-state", "closed")
    expect(banner).to_have_text("Connection lost. Reconnecting…", use_inner_text=True)
    missed = [f"while it was down {n}" for n in range(3)]
    for text in missed:
        send_message(alice_page, text)
    expect(message_bodies(alice_page)).to_have_count(4)

    first.start()
    restarted = time.monotonic()
    expect(message_bodies(bob_page)).to_have_text(["before the restart", *missed])
    expect(banner).to_have_attribute("data-state", "open")
    expect(banner).to_have_text("Reconnected", use_inner_text=True)
    print(
        f"\n{death}: restart -> last missed message shown: {time.monotonic() - restarted:.2f} s"
    )
    bob_page.context.close()
    alice_page.context.close()


def open_as(browser, server, person):
    context = browser.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": person.session_id, "url": server.url}]
    )
    page = context.new_page()
    page.goto(server.url + "/rooms/general/")
    return page
