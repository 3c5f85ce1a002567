"""What fails away from any request is logged, never lost in silence."""

import asyncio
import logging

import pytest

from bench.servers import free_port
from rooms.live import presence
from rooms.live.background import run_in_background

pytestmark = pytest.mark.django_db(transaction=True)


async def until_logged(caplog, text):
    async with asyncio.timeout(5):
        while text not in caplog.text:
            await asyncio.sleep(0.02)


async def test_a_background_task_that_fails_says_why(caplog):
    async def deliver_later():
        raise ConnectionError("the layer went away")

    with caplog.at_level(logging.ERROR, logger="rooms.live.background"):
        await asyncio.wait([run_in_background(deliver_later())])
        await until_logged(caplog, "the layer went away")
    assert "deliver_later failed" in caplog.text


async def test_an_arrival_the_layer_cannot_announce_is_a_warning(
    general, alice, settings, caplog
):
    # A Redis nobody listens at: every send fails at once.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}"]},
        }
    }
    with caplog.at_level(logging.WARNING):
        await presence.arrive(general, alice.user, "a-socket")
        await until_logged(caplog, f"Presence in room {general.pk} not announced")
    assert not any(r.name == "rooms.live.background" for r in caplog.records)
