"""The ASGI lifespan: a process starts its sweeps (emails, Web Push, bots'
webhooks, link previews) and its pool's metrics, and reports its database
pool as it stops.

Every connection a request or a socket took must be back in the pool by
then; one still out was never returned and would starve the pool over
time, so it is logged as an error (and tests/test_pool.py reads it).
"""

import logging
import os

from django.db import connections
from prometheus_client import multiprocess

from rooms.live.background import run_in_background
from rooms.sweeps import notify, previews, push, webhooks
from site_config import metrics

logger = logging.getLogger(__name__)


async def lifespan(scope, receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            for sweep in sweeps():
                sweep.start()
            run_in_background(metrics.watch_pools())
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            for sweep in sweeps():
                await sweep.stop()
            report_database_pools()
            if metrics.MULTIPROCESS:
                # Its gauges (sockets, pool) no longer count.
                multiprocess.mark_process_dead(os.getpid())
            await send({"type": "lifespan.shutdown.complete"})
            return


def sweeps():
    """The sweeps this process runs: only those with a way to send."""
    return [
        module.sweep
        for module in (notify, push, webhooks, previews)
        if module.enabled()
    ]


def report_database_pools():
    # Pools belong to the process, not to the thread whose wrapper made them.
    for connection in connections.all():
        pool = getattr(connection, "pool", None)
        if pool is None:
            continue
        stats = pool.get_stats()
        checked_out = stats["pool_size"] - stats["pool_available"]
        log = logger.error if checked_out else logger.info
        log(
            "database pool %r at shutdown: %d connections, %d checked out, "
            "%d requests served, %d waited",
            connection.alias,
            stats["pool_size"],
            checked_out,
            stats.get("requests_num", 0),
            stats.get("requests_queued", 0),
        )
