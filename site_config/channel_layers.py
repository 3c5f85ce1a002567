"""The channel layers, with their errors counted (site_config/metrics.py).

Channels' in-memory layer sweeps every channel and every group for expired
messages on each receive and each group send: work in proportion to the
open sockets, twice for every chat message, which shows in a busy room's
CPU. Here it sweeps once a second instead. Messages expire after a minute;
one found a second late may still be received meanwhile (receive() never
checks expiry itself), which harms none.
"""

import time

from channels import layers
from channels_redis import pubsub

from site_config import metrics

SWEEP_INTERVAL_SECONDS = 1


class CountedErrors:
    """Count each call to the layer that raises, by the call: Redis down
    shows as these rising, whichever code made the call."""

    def _layer_call(self, call):
        return getattr(super(), call)

    async def _counted(self, call, *args):
        try:
            return await self._layer_call(call)(*args)
        except Exception:
            metrics.channel_layer_errors.labels(call).inc()
            raise

    async def send(self, channel, message):
        return await self._counted("send", channel, message)

    async def receive(self, channel):
        return await self._counted("receive", channel)

    async def new_channel(self, prefix="specific."):
        return await self._counted("new_channel", prefix)

    async def group_add(self, group, channel):
        return await self._counted("group_add", group, channel)

    async def group_discard(self, group, channel):
        return await self._counted("group_discard", group, channel)

    async def group_send(self, group, message):
        return await self._counted("group_send", group, message)


class RedisPubSubChannelLayer(CountedErrors, pubsub.RedisPubSubChannelLayer):
    def _layer_call(self, call):
        # Its calls go to a layer per event loop, by a __getattr__ that
        # super() does not look in.
        return pubsub.RedisPubSubChannelLayer.__getattr__(self, call)


class InMemoryChannelLayer(CountedErrors, layers.InMemoryChannelLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._next_sweep = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_INTERVAL_SECONDS
            super()._clean_expired()
