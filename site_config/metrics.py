"""/metrics, where Prometheus reads what the chat counts (rooms/metrics.py)
and what the site counts here: HTTP requests, the database pool and the
channel layer's errors.

Under `manage.py serve` every process writes its figures to files in
PROMETHEUS_MULTIPROC_DIR (serve sets it up), and /metrics, whichever
process answers, adds up all of them.
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

from rooms.metrics import LIVE, SweepLag

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

channel_layer_errors = Counter(
    "chat_channel_layer_errors", "Channel layer calls that raised.", ["call"]
)
http_requests = Counter(
    "chat_http_requests", "HTTP requests, by route and status.", ["route", "status"]
)
http_latency = Histogram(
    "chat_http_request_duration_seconds", "HTTP request time, by route.", ["route"]
)
pool_connections = Gauge(
    "chat_db_pool_connections",
    "Database pool connections: size, in use, and requests waiting.",
    ["state"],
    multiprocess_mode=LIVE,
)


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
