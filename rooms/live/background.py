import asyncio
import contextlib
import inspect
import logging

from django.db import connection, transaction

from rooms import metrics
from rooms.live import db

logger = logging.getLogger(__name__)

# The event loop keeps only weak references to tasks; these would be
# collected mid-flight once their caller (often a closed socket) is gone.
_running = set()


def run_in_background(coroutine):
    """Run coroutine as a task that outlives its caller; log its failure,
    which nobody awaits to see."""
    task = asyncio.create_task(coroutine)
    _running.add(task)
    task.add_done_callback(_finished)
    return task


def _finished(task):
    _running.discard(task)
    if not task.cancelled() and task.exception() is not None:
        name = getattr(task.get_coro(), "__qualname__", task.get_name())
        logger.error("Background task %s failed", name, exc_info=task.exception())


def first_unless_locked(queryset):
    """Return the queryset's first row, locked for this transaction, or None
    while another process's sweep holds it (SQLite, one writer at a time,
    just takes it)."""
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True)
    return queryset.first()


# A sweep's round gives way to anyone else's lock within this, rather than
# wait: a release's migration, or a test's flush, then never deadlocks with
# it (Postgres checks for deadlocks only after a second), and the round is
# tried again next time.
LOCK_TIMEOUT = "100ms"


@contextlib.contextmanager
def sweep_transaction():
    """A transaction for a sweep's round, which waits for no lock for long."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        yield


class Sweep:
    """Run work (blocking, database) in the thread pool every so often, in
    this process, until stopped; a failure is logged and tried again. Work
    that is a coroutine function runs in the event loop instead, and puts
    its own blocking parts in threads."""

    def __init__(self, work, every_seconds):
        self.work = work
        self.every_seconds = every_seconds
        self._task = None
        self._stop = None

    def start(self):
        if self._task is None:
            self._stop = asyncio.Event()
            self._task = run_in_background(self._run())

    async def stop(self):
        """Let a round under way finish (its sends, its connection), then end."""
        if self._task is not None:
            self._stop.set()
            await self._task
            self._task = None

    async def _run(self):
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.every_seconds)
                return
            try:
                if inspect.iscoroutinefunction(self.work):
                    await self.work()
                else:
                    await db.run(self.work)
                metrics.sweep_rounds.labels(self.work.__name__).set_to_current_time()
            except Exception:
                # A database or network blip must not stop the sweep.
                logger.exception(
                    "%s failed; trying again next time", self.work.__name__
                )
