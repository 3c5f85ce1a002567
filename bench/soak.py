"""`python -m bench.soak` (`make soak`): a stretch of the chat's life, bounded.

Hundreds of signed-in people in a few rooms, steady messages, others
coming and going, and the web process restarted halfway. Exits 1 unless:

- every person who stayed ends with every message stored in their room,
  once each, and none from another room (a message sent again, as a
  reconnect's catch-up may, is counted as a repeat: the page upserts it);
- after the restart everyone is back and caught up;
- the server's memory is flat after warm-up (judged for a process that
  ran long enough to have one);
- the server's log holds no error.
"""

import argparse
import asyncio
import contextlib
import os
import random
import re
import resource
import sys
import tempfile
import time
import urllib.request

import django
import uvloop
from django.core.management import call_command
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from .__main__ import environment
from .load import frame, sequence
from .servers import LOAD_CORE, LOGS, Server

MESSAGE_ID = re.compile(r'id="message-(\d+)"')
SOCKET_PATH = re.compile(r'hx-ws:connect="([^"]+)"')
LOG_ERROR = re.compile(r"Traceback|ERROR|CRITICAL|Exception")
POOL_AT_SHUTDOWN = re.compile(
    r"database pool '\w+' at shutdown: \d+ connections, (\d+) checked out"
)
WARM_UP_SECONDS = 60
RSS_GROWTH_ALLOWED = 0.10  # of the RSS after warm-up
SAMPLE_SECONDS = 5
# A shared machine can take long to import Django on a busy core.
START_SECONDS = 180
MiB = 2**20
# What a socket meets while the server restarts: refused, cut off mid
# handshake, closed.
GONE = (OSError, TimeoutError, WebSocketException)  # urllib's errors are OSErrors


class PageNotLive(Exception):
    """A room's latest page came without its live socket (the last one is
    kept in bench/logs/soak-page.html)."""


class Tab:
    """One open tab: reconnects as hx-ws does, with ?after=<newest seen>."""

    def __init__(self, soak, room, session_id):
        self.soak = soak
        self.room = room
        self.session_id = session_id
        self.seen = set()
        self.repeats = 0
        self.refusals = []
        self.ws = None
        self.connections = 0
        self.leaving = False
        # (seconds into the soak, ?after=) per connect: what a loss needs.
        self.history = []

    async def stay(self):
        delay = 0.5
        while not self.leaving:
            ws = None
            with contextlib.suppress(*GONE):
                url = self.url()
                async with self.soak.open(url, self.session_id) as ws:
                    self.ws, delay = ws, 0.5
                    self.connections += 1
                    self.history.append((self.soak.elapsed(), url.split("=")[-1]))
                    self.soak.progress.set()
                    async for text in ws:
                        self.take(text)
            self.ws = None
            if ws is not None and ws.close_code and ws.close_code >= 4000:
                self.refusals.append(ws.close_code)  # hx-ws would stop here
                return
            if self.leaving:
                return
            # hx-ws backs off from 0.5 s; jitter keeps a crowd from
            # knocking all at once.
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 8)

    async def leave(self):
        self.leaving = True
        if self.ws is not None:
            await self.ws.close()

    def url(self):
        base = self.soak.server.ws_url(self.room).split("?")[0]
        return f"{base}?after={max(self.seen, default=0)}"

    def take(self, text):
        for pk in map(int, MESSAGE_ID.findall(text)):
            if pk in self.seen:
                self.repeats += 1
            else:
                self.seen.add(pk)
                self.soak.progress.set()


class Soak:
    def __init__(self, server, options, session_ids):
        self.server = server
        self.options = options
        self.rooms = [f"soak-{n}" for n in range(1, options.rooms + 1)]
        people = options.people
        churners = max(1, people // 10)
        self.session_ids = session_ids
        self.stayers = [
            Tab(self, self.rooms[n % len(self.rooms)], session_id)
            for n, session_id in enumerate(session_ids[: people - churners])
        ]
        self.churn_sessions = session_ids[people - churners : people]
        self.tasks = []
        self.progress = asyncio.Event()
        self.sending = True
        self.figures = {
            "sent": 0,
            "unsent": 0,
            "joins": 0,
            "leaves": 0,
            "pages_not_live": 0,
            "rss": [],
            "restart": {},
        }

    def open(self, url, session_id):
        return connect(
            url,
            origin=self.server.url,
            additional_headers={"Cookie": f"sessionid={session_id}"},
            open_timeout=60,
            max_size=2**22,
        )

    async def run(self):
        from rooms.models import Room

        for name in self.rooms:
            await Room.objects.acreate(slug=name, name=name)
        started = time.monotonic()
        self.tasks = [asyncio.create_task(tab.stay()) for tab in self.stayers]
        async with asyncio.timeout(120):
            await self.until(lambda tab: tab.ws is not None)
        self.figures["connect_seconds"] = time.monotonic() - started
        print(
            f"  {len(self.stayers)} connected in {self.figures['connect_seconds']:.1f} s",
            flush=True,
        )
        self.started = time.monotonic()
        background = [
            asyncio.create_task(self.sample_memory()),
            *(asyncio.create_task(self.chatter(room)) for room in self.rooms),
            *(asyncio.create_task(self.churn(sid)) for sid in self.churn_sessions),
        ]
        # Half the time before the restart and half after it, so the new
        # process gets its full share however long the restart takes.
        await asyncio.sleep(self.options.seconds / 2)
        await self.restart()
        await asyncio.sleep(self.options.seconds / 2)
        self.sending = False
        await asyncio.gather(*background[1:])
        background[0].cancel()
        await self.drain()
        self.figures["closed"] = sum(1 for tab in self.stayers if tab.ws is None)
        for tab in self.stayers:
            await tab.leave()
        await asyncio.gather(*self.tasks)

    def elapsed(self):
        return time.monotonic() - getattr(self, "started", time.monotonic())

    async def chatter(self, room):
        """Send `rate` messages a second into the room, from people in it."""
        people = [tab for tab in self.stayers if tab.room == room]
        step = 1 / self.options.rate
        due = time.monotonic()
        while self.sending:
            due += step
            await asyncio.sleep(max(0, due - time.monotonic()))
            ws = random.choice(people).ws
            try:
                if ws is None:
                    raise ConnectionClosed(None, None)
                await ws.send(frame(next(sequence)))
                self.figures["sent"] += 1
            except ConnectionClosed:
                self.figures["unsent"] += 1  # that tab is reconnecting

    async def churn(self, session_id):
        """Come and go: open some room's page, stay 5 to 20 seconds, leave."""
        while self.sending:
            with contextlib.suppress(*GONE):
                await self.visit(random.choice(self.rooms), session_id)
            await asyncio.sleep(random.uniform(0.5, 2))

    async def visit(self, room, session_id):
        try:
            url = await asyncio.to_thread(self.load_page, room, session_id)
        except PageNotLive:
            self.figures["pages_not_live"] += 1
            return
        async with self.open(url, session_id) as ws:
            self.figures["joins"] += 1
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(random.uniform(5, 20)):
                    async for _ in ws:
                        pass
            self.figures["leaves"] += 1

    def load_page(self, room, session_id):
        """GET the room's page as a browser does; return its socket's URL.

        The page shows the latest messages and points its socket after them.
        """
        request = urllib.request.Request(
            f"{self.server.url}/rooms/{room}/",
            # As the PaaS router says; production settings redirect plain HTTP.
            headers={"Cookie": f"sessionid={session_id}", "X-Forwarded-Proto": "https"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            page = response.read().decode()
        found = SOCKET_PATH.search(page)
        if found is None:
            (LOGS / "soak-page.html").write_text(page)
            raise PageNotLive(response.url)
        path = found.group(1).replace("&amp;", "&")
        return f"ws://127.0.0.1:{self.server.port}{path}"

    async def sample_memory(self):
        while True:
            with contextlib.suppress(OSError, RuntimeError):
                elapsed = time.monotonic() - self.started
                generation = self.figures["restart"].get("generation", 1)
                sample = (elapsed, generation, self.server.rss_bytes())
                self.figures["rss"].append(sample)
            await asyncio.sleep(SAMPLE_SECONDS)

    async def restart(self):
        """Stop the web process (SIGTERM, as a deploy does) and start another."""
        restart = self.figures["restart"]
        restart["at"] = time.monotonic() - self.started
        stopping = time.monotonic()
        await asyncio.to_thread(self.server.stop)
        restart["generation"] = 2
        stopped = time.monotonic()
        await asyncio.to_thread(self.server.start, timeout=START_SECONDS)
        listening = time.monotonic()
        restart["stop_seconds"] = stopped - stopping
        restart["start_seconds"] = listening - stopped
        print(f"  restarted at {restart['at']:.0f} s", flush=True)
        stored = await self.stored()
        restart["back_seconds"] = restart["catch_up_seconds"] = None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(120):
                await self.until(lambda tab: tab.ws is not None)
                restart["back_seconds"] = time.monotonic() - listening
                await self.until(lambda tab: stored[tab.room] <= tab.seen)
                restart["catch_up_seconds"] = time.monotonic() - listening

    async def until(self, condition):
        """Return once condition(tab) holds for every stayer."""
        while not all(condition(tab) for tab in self.stayers):
            self.progress.clear()
            await self.progress.wait()

    async def drain(self):
        """Wait for the last messages, until none has come for two heartbeats.

        A heartbeat re-sends what a socket missed; what is missing after two
        is lost.
        """
        stored = await self.stored()
        stall = 2 * float(os.environ["PRESENCE_HEARTBEAT_SECONDS"])
        while not all(stored[tab.room] <= tab.seen for tab in self.stayers):
            self.progress.clear()
            try:
                async with asyncio.timeout(stall):
                    await self.progress.wait()
            except TimeoutError:
                return

    async def stored(self):
        from rooms.models import Message

        stored = {room: set() for room in self.rooms}
        rows = Message.objects.filter(room__slug__in=self.rooms)
        async for pk, room in rows.values_list("pk", "room__slug"):
            stored[room].add(pk)
        return stored

    async def verdict(self):
        figures = self.figures
        stored = await self.stored()
        figures["messages"] = sum(len(pks) for pks in stored.values())
        figures["lost"] = sum(len(stored[t.room] - t.seen) for t in self.stayers)
        figures["strays"] = sum(len(t.seen - stored[t.room]) for t in self.stayers)
        figures["repeats"] = sum(t.repeats for t in self.stayers)
        figures["deliveries"] = sum(len(t.seen) for t in self.stayers)
        figures["refused"] = sum(len(t.refusals) for t in self.stayers)
        figures["short"] = [
            {
                "room": t.room,
                "missing": sorted(stored[t.room] - t.seen),
                "connects": [f"{at:.1f} s after={after}" for at, after in t.history],
            }
            for t in self.stayers
            if stored[t.room] - t.seen
        ]
        figures["reconnects"] = sum(t.connections - 1 for t in self.stayers)
        figures["memory"] = memory_verdict(figures["rss"], figures["restart"]["at"])
        log = self.server.log_path.read_text(errors="replace")
        figures["log_errors"] = [
            line for line in log.splitlines() if LOG_ERROR.search(line)
        ]
        figures["pool_checked_out"] = [int(n) for n in POOL_AT_SHUTDOWN.findall(log)]
        problems = []
        if figures["lost"] or figures["strays"] or figures["refused"]:
            problems.append("messages lost, strayed or refused")
        if figures["restart"]["catch_up_seconds"] is None:
            problems.append("not everyone caught up after the restart")
        if figures["memory"]["grew"]:
            problems.append("memory grew after warm-up")
        if figures["log_errors"]:
            problems.append("errors in the server log")
        if any(figures["pool_checked_out"]):
            problems.append("database connections never returned to the pool")
        if figures["pages_not_live"]:
            problems.append("room pages without their live socket")
        return problems


def memory_verdict(samples, restart_at):
    """Judge each process's RSS from warm-up to its last sample."""
    verdict = {"grew": False, "processes": []}
    for generation, began in ((1, 0.0), (2, restart_at)):
        mine = [(t - began, rss) for t, g, rss in samples if g == generation]
        if not mine:
            continue
        warm = [rss for t, rss in mine if t >= WARM_UP_SECONDS]
        process = {
            "start_mib": mine[0][1] / MiB,
            "warm_mib": warm[0] / MiB if warm else None,
            "end_mib": mine[-1][1] / MiB,
            "peak_mib": max(rss for _, rss in mine) / MiB,
        }
        if len(warm) >= 3:
            process["growth"] = (warm[-1] - warm[0]) / warm[0]
            verdict["grew"] |= process["growth"] > RSS_GROWTH_ALLOWED
        verdict["processes"].append(process)
    return verdict


def report(options, figures, problems, seconds):
    load = os.getloadavg()
    lines = [
        f"soak: {options.people} people, "
        f"{options.rooms} rooms, {options.rate} messages/s per room, "
        f"{options.seconds:.0f} s, layer {figures['layer']}, {figures['database']}",
        f"  messages stored {figures['messages']}, sent {figures['sent']}, "
        f"not sent while reconnecting {figures['unsent']}",
        f"  deliveries to those who stayed {figures['deliveries']}: lost "
        f"{figures['lost']}, from another room {figures['strays']}, repeats "
        f"{figures['repeats']} (upserted), refused {figures['refused']}; "
        f"{len(figures['short'])} people short of some, {figures['closed']} not "
        "connected at the end",
        f"  reconnects {figures['reconnects']}; churn: {figures['joins']} joins, "
        f"{figures['leaves']} leaves, {figures['pages_not_live']} room pages "
        "without their live socket",
        f"  restart at {figures['restart']['at']:.0f} s: stopped in "
        f"{figures['restart']['stop_seconds']:.1f} s, listening again "
        f"{figures['restart']['start_seconds']:.1f} s later; after that everyone "
        f"back in {fmt(figures['restart']['back_seconds'])} s and caught up in "
        f"{fmt(figures['restart']['catch_up_seconds'])} s",
    ]
    for tab in figures["short"][:5]:
        missing = tab["missing"]
        lines.append(
            f"    short in {tab['room']}: {len(missing)} missing, "
            f"ids {missing[0]}–{missing[-1]}; connects: {', '.join(tab['connects'])}"
        )
    for n, process in enumerate(figures["memory"]["processes"], 1):
        growth = process.get("growth")
        lines.append(
            f"  RSS process {n}: start {process['start_mib']:.0f} MiB, after "
            f"{WARM_UP_SECONDS} s {fmt(process['warm_mib'], '.0f')} MiB, end "
            f"{process['end_mib']:.0f} MiB, peak {process['peak_mib']:.0f} MiB, "
            "growth after warm-up "
            + (f"{growth:+.1%}" if growth is not None else "not judged (too short)")
        )
    if figures["pool_checked_out"]:
        checked_out = ", ".join(map(str, figures["pool_checked_out"]))
        lines.append(
            f"  database connections checked out as each process stopped: {checked_out}"
        )
    lines.append(f"  server log errors: {len(figures['log_errors'])}")
    lines.extend(f"    {line}" for line in figures["log_errors"][:10])
    lines.append(
        f"  took {seconds:.0f} s; load average {load[0]:.1f} {load[1]:.1f} "
        f"{load[2]:.1f} on {os.cpu_count()} cores"
    )
    lines.append("PASS" if not problems else "FAIL: " + "; ".join(problems))
    print("\n".join(lines), flush=True)


def fmt(value, spec=".1f"):
    return "–" if value is None else format(value, spec)


def arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.soak")
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--rooms", type=int, default=3)
    parser.add_argument("--rate", type=float, default=2, help="messages/s per room")
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--log-name", default="soak", help="bench/logs/<name>.log")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="soak on a fresh database `soak` on this Postgres server, not SQLite",
    )
    return parser.parse_args(argv)


@contextlib.contextmanager
def fresh_postgres(url):
    """Yield the URL of a fresh database `soak` beside url's; drop it after."""
    import psycopg

    def run(statement):
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(statement)

    run("DROP DATABASE IF EXISTS soak WITH (FORCE)")
    run("CREATE DATABASE soak")
    try:
        yield url.rsplit("/", 1)[0] + "/soak"
    finally:
        run("DROP DATABASE IF EXISTS soak WITH (FORCE)")


def main(argv=None):
    options = arguments(argv)
    os.sched_setaffinity(0, {LOAD_CORE})
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 8 * options.people)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    with contextlib.ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-"))
        env = {
            **environment(workdir),
            # The production housekeeping this time: it is part of the soak.
            "PRESENCE_HEARTBEAT_SECONDS": "15",
            "PRESENCE_TTL_SECONDS": "45",
            "PRESENCE_GRACE_SECONDS": "15",
            # Its own: two soaks at once (the suite's two runs) must not
            # collect into one folder.
            "STATIC_ROOT": os.path.join(workdir, "static"),
        }
        if options.postgres:
            env["DATABASE_URL"] = stack.enter_context(fresh_postgres(options.postgres))
        os.environ.update(env)
        django.setup()
        from . import database

        layer = "redis pub/sub" if env.get("REDIS_URL") else "in-memory"
        session_ids = database.create(options.people)
        # Churners load room pages, which name the hashed static files, as
        # a deploy's build step leaves them.
        call_command("collectstatic", interactive=False, verbosity=0)
        server = Server("ours", env, log_name=options.log_name)
        soak = Soak(server, options, session_ids)
        started = time.monotonic()
        try:
            server.start(timeout=START_SECONDS)
            asyncio.run(soak.run(), loop_factory=uvloop.new_event_loop)
        finally:
            server.stop()
        # After the stop: each process logs its database pool as it ends.
        problems = asyncio.run(soak.verdict())
        soak.figures["layer"] = layer
        soak.figures["database"] = "postgres" if options.postgres else "sqlite"
        report(options, soak.figures, problems, time.monotonic() - started)
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
