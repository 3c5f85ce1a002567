import asyncio
import logging

logger = logging.getLogger(__name__)


class Ticker:
    """Await `tick()` every `interval` seconds until stopped."""

    def __init__(self, interval, tick):
        self._stopped = asyncio.Event()
        self._task = asyncio.create_task(self._run(interval.total_seconds(), tick))

    async def stop(self):
        """Stop, and wait for a tick under way to finish."""
        # An event, not task.cancel(): asgiref swallows a cancel that lands
        # while an ORM call runs in its thread, and the loop would go on.
        self._stopped.set()
        await self._task

    async def _run(self, interval, tick):
        while True:
            try:
                await asyncio.wait_for(self._stopped.wait(), interval)
            except TimeoutError:
                try:
                    await tick()
                except Exception:
                    # A database blip must not stop the ticking for good.
                    logger.exception("Tick failed; trying again next time")
            else:
                return
