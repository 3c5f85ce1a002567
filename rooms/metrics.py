"""What the chat counts: sockets, messages, broadcasts, catch-up, sweeps.

The code where each event happens counts it here; /metrics
(site_config/metrics.py) serves these with the site's own figures (HTTP
requests, the database pool, the channel layer). A counter costs a lock
and a write to a memory-mapped file: broadcasts are counted once per room
event in a process, not once per socket.
"""

import time

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

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
sweep_rounds = Gauge(
    "chat_sweep_last_round_timestamp_seconds",
    "When each sweep last finished a round without an error.",
    ["sweep"],
    multiprocess_mode="max",
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


class SweepLag:
    """How many messages each sweep has yet to see, read
    from the database at scrape time: the figure is the site's, not a
    process's."""

    def collect(self):
        # Here, not above: the sweeps and posting import this module.
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
