"""Channels' in-memory layer, sweeping for expired messages once a second.

Channels sweeps every channel and every group for expired messages on each
receive and each group send: work in proportion to the open sockets, twice
for every chat message, which shows in a busy room's CPU.
Messages expire after a minute; one found a second late may still be
received meanwhile (receive() never checks expiry itself), which harms none.
"""

import time

from channels import layers

SWEEP_INTERVAL_SECONDS = 1


class InMemoryChannelLayer(layers.InMemoryChannelLayer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._next_sweep = 0.0

    def _clean_expired(self):
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_INTERVAL_SECONDS
            super()._clean_expired()
