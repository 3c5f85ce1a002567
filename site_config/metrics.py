"""What the chat counts, and /metrics, where Prometheus reads it.

Every metric is defined here; the code where each event happens counts
it. Under `manage.py serve` every process writes its figures to files in
PROMETHEUS_MULTIPROC_DIR (serve sets it up), and /metrics, whichever
process answers, adds up all of them. A counter costs a lock and a write
to a memory-mapped file: broadcasts are counted once per room event in a
process, not once per socket.
"""

import asyncio
import hmac
import os
import time

from django.conf import settings
from django.db import connections
from django.http import Http404, HttpResponse
from django.utils.decorators import sync_and_async_middleware
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

# Gauges of processes still alive, added up: a stopped process's sockets
# and pool are gone with it.
LIVE = "livesum"

open_sockets = Gauge(
    "chat_open_sockets", "Open websockets, by kind.", ["kind"], multiprocess_mode=LIVE
)
messages_posted = Counter("chat_messages_posted", "Messages stored and broadcast.")
deliveries = Counter(
    "chat_deliveries", "Live room updates handed to sockets (one per socket)."
)
broadcast_latency = Histogram(
    "chat_broadcast_latency_seconds",
    "From a message stored to its last socket in a process written.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
catch_up_messages = Counter(
    "chat_catch_up_messages", "Messages sent to sockets by catch-up, not live."
)
reconnects = Counter("chat_reconnects", "Room sockets opened again by the same page.")
channel_layer_errors = Counter(
    "chat_channel_layer_errors", "Channel layer calls that raised.", ["call"]
)
http_requests = Counter(
    "chat_http_requests", "HTTP requests, by route and status.", ["route", "status"]
)
http_latency = Histogram(
    "chat_http_request_duration_seconds", "HTTP request time, by route.", ["route"]
)
sweep_rounds = Gauge(
    "chat_sweep_last_round_timestamp_seconds",
    "When each sweep last finished a round without an error.",
    ["sweep"],
    multiprocess_mode="max",
)
pool_connections = Gauge(
    "chat_db_pool_connections",
    "Database pool connections: size, in use, and requests waiting.",
    ["state"],
    multiprocess_mode=LIVE,
)


# Shown from the start, at 0.
for kind in ("room", "lobby"):
    open_sockets.labels(kind)


def socket_opened(kind):
    open_sockets.labels(kind).inc()


def socket_closed(kind):
    open_sockets.labels(kind).dec()


def broadcast_sent(stored_at, sockets):
    """A room event written to sockets of this process."""
    if sockets:
        deliveries.inc(sockets)
    if stored_at is not None:
        broadcast_latency.observe(time.time() - stored_at)


# The database pools, read by each process every few seconds (a scrape
# reaches one process; every process's pool counts).
POOL_SECONDS = 5


async def watch_pools():
    while True:
        read_pools()
        await asyncio.sleep(POOL_SECONDS)


def read_pools():
    totals = {"size": 0, "in_use": 0, "waiting": 0}
    # Pools belong to the process, not to the thread whose wrapper made them.
    for connection in connections.all():
        pool = getattr(connection, "pool", None)
        if pool is None:
            continue
        stats = pool.get_stats()
        totals["size"] += stats["pool_size"]
        totals["in_use"] += stats["pool_size"] - stats["pool_available"]
        totals["waiting"] += stats["requests_waiting"]
    for state, value in totals.items():
        pool_connections.labels(state).set(value)


class SweepLag:
    """How many messages each sweep has yet to see, read
    from the database at scrape time: the figure is the site's, not a
    process's."""

    def collect(self):
        # Here, not above: the models' modules import this one.
        from rooms.models import Message, SweepCursor

        lag = GaugeMetricFamily(
            "chat_sweep_lag_messages",
            "Messages each sweep has yet to see.",
            labels=["sweep"],
        )
        from rooms.sweeps import deliveries

        newest = Message.objects.order_by("-pk").values_list("pk", flat=True).first()
        for name, last in SweepCursor.objects.values_list("name", "last_message_id"):
            lag.add_metric([name], max((newest or 0) - last, 0))
        # Pushes and bots' calls mark each message they swept, with no cursor.
        if deliveries.push_enabled() or deliveries.hooked_bots():
            unswept = Message.objects.posted_here().filter(swept=False)
            lag.add_metric(["deliveries"], unswept.count())
        yield lag


@sync_and_async_middleware
def count_requests(get_response):
    """Count each request by its route (the URL pattern, not the path: one
    series per view) and status, and time it."""

    def count(request, response, started):
        match = request.resolver_match
        route = match.route if match else "unmatched"
        http_requests.labels(route, response.status_code).inc()
        http_latency.labels(route).observe(time.perf_counter() - started)
        return response

    if asyncio.iscoroutinefunction(get_response):

        async def middleware(request):
            started = time.perf_counter()
            return count(request, await get_response(request), started)

    else:

        def middleware(request):
            started = time.perf_counter()
            return count(request, get_response(request), started)

    return middleware


def metrics(request):
    """The Prometheus text format, for a bearer of METRICS_TOKEN only."""
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return HttpResponse(status=401, headers={"WWW-Authenticate": "Bearer"})
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    output = generate_latest(registry) + generate_latest(_site)
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)


# Figures read from the database, not from any process.
_site = CollectorRegistry()
_site.register(SweepLag())
