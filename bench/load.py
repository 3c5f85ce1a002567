"""The load generator: a crowd of real sockets in one room, and its chatter.

Every message carries a token (`bench-<seq>-`); every socket must see
every token exactly once. Frames without a token (presence, the composer
reset a sender gets back) are not counted.
"""

import asyncio
import contextlib
import itertools
import json
import re
import time
from dataclasses import dataclass

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

TOKEN = re.compile(r"bench-(\d+)-")
MESSAGE_ID = re.compile(r'id="message-(\d+)"')
# Unique across a whole run, so no phase can count another's messages.
sequence = itertools.count(1)


def body(seq):
    # Escaped by the server (' and &), so the check sees what a browser does.
    return f"bench-{seq}- that's the plan: see you at 3 & bring the notes"


def frame(seq):
    """Return the frame hx-ws sends for a submitted composer form."""
    return json.dumps(
        {"action": "send", "message": body(seq), "headers": {"HX-Request": "true"}}
    )


def origin_of(url):
    """The page a browser would open this socket from: its own server."""
    return "http" + url.removeprefix("ws").split("/ws/", 1)[0]


def percentile(values, p):
    """Return the nearest-rank percentile of sorted values, or None."""
    if not values:
        return None
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


@dataclass
class Chatter:
    """What one stretch of sending measured."""

    sent: int
    expected: int
    delivered: int
    duplicates: int
    lost: int
    seconds: float
    send_rate: float
    latencies: list

    def p(self, percent):
        return percentile(self.latencies, percent)


class Client:
    """One socket: records when each token first arrives and any repeats."""

    def __init__(self, ws, crowd):
        self.ws = ws
        self.crowd = crowd
        self.seen = set()
        # The newest message id received: where a reconnect catches up from.
        self.newest_id = 0
        self.settled = asyncio.Event()
        if crowd.people is None:
            self.settled.set()
        self.task = asyncio.create_task(self.listen())

    async def listen(self):
        with contextlib.suppress(ConnectionClosed):
            await self.receive_all()

    async def receive_all(self):
        crowd = self.crowd
        async for text in self.ws:
            now = time.perf_counter()
            self.newest_id = max([self.newest_id, *map(int, MESSAGE_ID.findall(text))])
            for seq in map(int, TOKEN.findall(text)):
                if seq in self.seen:
                    crowd.duplicates += 1
                    continue
                self.seen.add(seq)
                crowd.arrived(now - crowd.sent_at[seq])
            # The presence list naming everyone: the crowd's arrival is over.
            online = crowd.people and 'hx-target="#online"' in text
            if online and text.count("<li>") >= crowd.people:
                self.settled.set()


class Crowd:
    """N sockets in one room, opened at once."""

    def __init__(self, people):
        # With presence, a socket has settled once it has seen all N named.
        self.people = people
        self.clients = []
        self.sent_at = {}
        self.latencies = []
        self.duplicates = 0
        self.outstanding = 0
        self.all_arrived = asyncio.Event()

    @classmethod
    async def open(cls, urls, session_ids, *, presence, catching_up=None):
        """Connect one socket per session at once; return the crowd and failures.

        urls: the room's socket URL on each server, dealt out in turn.
        catching_up: (the sent_at of the crowd that sent them, how many
        messages each socket should be caught up on).
        """
        crowd = cls(len(session_ids) if presence else None)
        if catching_up:
            crowd.sent_at, missed = catching_up
            crowd.outstanding = missed * len(session_ids)
        sockets = await asyncio.gather(
            *(
                connect(
                    urls[n % len(urls)],
                    origin=origin_of(urls[n % len(urls)]),
                    additional_headers={"Cookie": f"sessionid={session_id}"},
                    open_timeout=60,
                    max_size=2**22,
                )
                for n, session_id in enumerate(session_ids)
            ),
            return_exceptions=True,
        )
        failed = [ws for ws in sockets if isinstance(ws, BaseException)]
        crowd.clients = [
            Client(ws, crowd) for ws in sockets if not isinstance(ws, BaseException)
        ]
        if crowd.people:
            crowd.people = len(crowd.clients)
        return crowd, failed

    async def settle(self, timeout=60):
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(client.settled.wait() for client in self.clients))

    async def close(self, clients=None):
        """Close the sockets of clients (default: all) and stop listening."""
        clients = self.clients if clients is None else clients
        await asyncio.gather(*(client.ws.close() for client in clients))
        await asyncio.gather(*(client.task for client in clients))
        self.clients = [client for client in self.clients if client not in clients]

    async def caught_up(self, timeout=60):
        """Return once every socket has every message it was to catch up on."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                if self.outstanding > 0:
                    await self.all_arrived.wait()

    def arrived(self, latency):
        self.latencies.append(latency)
        self.outstanding -= 1
        if self.outstanding == 0:
            self.all_arrived.set()

    async def chatter(self, *, senders, rate, count, stall=3.0):
        """Send count messages at rate/s, round robin from the first senders.

        Return once every socket has every message, or once nothing more
        has arrived for `stall` seconds: what is missing then is lost.
        """
        self.latencies, self.duplicates = [], 0
        self.outstanding = count * len(self.clients)
        self.all_arrived.clear()
        first = [client.ws for client in self.clients[:senders]]
        seqs = [next(sequence) for _ in range(count)]
        start = time.perf_counter()
        for n, seq in enumerate(seqs):
            # Pacing is by the clock, so this one wait is a timed one.
            await asyncio.sleep(start + n / rate - time.perf_counter())
            self.sent_at[seq] = time.perf_counter()
            await first[n % senders].send(frame(seq))
        sending = time.perf_counter() - start
        while self.outstanding:
            waiting = self.outstanding
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(stall):
                    await self.all_arrived.wait()
            if self.outstanding == waiting:
                break
        delivered = sum(len(client.seen.intersection(seqs)) for client in self.clients)
        return Chatter(
            sent=count,
            expected=count * len(self.clients),
            delivered=delivered,
            duplicates=self.duplicates,
            lost=count * len(self.clients) - delivered,
            seconds=time.perf_counter() - start,
            send_rate=(count - 1) / sending if count > 1 else rate,
            latencies=sorted(self.latencies),
        )
