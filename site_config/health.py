"""/healthz: 200 only when the database and the channel layer both answer."""

import asyncio
import uuid

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache

TIMEOUT_SECONDS = 3

# One channel per process, reused: a pub/sub channel stays subscribed until
# a receive on it is cancelled, so a fresh one per check would leak.
_channel = None
_lock = asyncio.Lock()


@never_cache
async def healthz(request):
    problems = []
    for name, check in [
        ("database", _database_answers),
        ("channel layer", _layer_round_trip),
    ]:
        try:
            await asyncio.wait_for(check(), TIMEOUT_SECONDS)
        except Exception as error:  # any failure is a 503 that names it
            problems.append(f"{name}: {type(error).__name__} {error}".strip())
    if problems:
        return HttpResponse("\n".join(problems), status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


@database_sync_to_async
def _database_answers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


async def _layer_round_trip():
    global _channel
    layer = get_channel_layer()
    async with _lock:
        if _channel is None:
            _channel = await layer.new_channel("health.")
        nonce = uuid.uuid4().hex
        try:
            await layer.send(_channel, {"type": "health.ping", "nonce": nonce})
            while (await layer.receive(_channel)).get("nonce") != nonce:
                pass
        except BaseException:
            # A cancelled pub/sub receive drops the channel; start afresh.
            _channel = None
            raise
