"""`make bench`'s load generator against a real server: exactly once, no timing."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model

from bench import floor
from bench.load import Crowd
from rooms.models import Message

from .conftest import sign_up, start_chat_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    # A tick that catches up while a broadcast is on its way sends the
    # message twice (harmless in a page, upserted); keep ticks out of this.
    server = start_chat_server(
        "bench",
        django_db_blocker,
        PRESENCE_HEARTBEAT_SECONDS="60",
        PRESENCE_TTL_SECONDS="180",
    )
    yield server
    server.stop()


async def test_every_person_gets_every_message_exactly_once(server, general):
    people = [await sync_to_async(sign_up)(f"person{n}") for n in range(3)]
    crowd, failed = await Crowd.open(
        [f"{server.ws_url}/ws/rooms/general/?after=0"],
        [person.session_id for person in people],
        presence=True,
    )
    assert failed == []
    await crowd.settle(timeout=10)
    chatter = await crowd.chatter(senders=2, rate=50, count=6)
    await crowd.close()
    assert (chatter.delivered, chatter.lost, chatter.duplicates) == (18, 0, 0)


def test_the_floor_times_each_step_of_a_posted_message(monkeypatch, settings):
    get_user_model().objects.create_user("person0")
    settings.MESSAGE_RATE_LIMIT = (1_000_000, 1)  # as the bench sets it
    monkeypatch.setattr(floor, "ROUNDS", 2)
    steps = floor.measure()
    assert list(steps) == ["validate", "store", "draw"]
    assert all(us > 0 for us in steps.values())
    # Stored by the store step, and again as new messages to draw.
    assert Message.objects.filter(room__slug="floor").count() == 2 * 2 * floor.RUNS
