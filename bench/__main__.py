"""`python -m bench`: every figure of issue 6 from one run (README, "Speed")."""

import argparse
import asyncio
import os
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

import django
import uvloop

from . import floor, report
from .load import Crowd
from .servers import LOAD_CORE, Processes, Server

KINDS = ("bare", "stock", "ours")
PEOPLE = 1000
SENDERS = 10
# Room size: (messages/s, messages). Light enough for every server to keep
# up, long enough for a p99 over thousands of receipts.
LATENCY = {10: (50, 200), 100: (20, 80), 1000: (2, 10)}
LADDER_ROOM = 100
LADDER_SECONDS = 3
LADDER_START, LADDER_FACTOR, LADDER_STOP = 200, 1.4, 60_000  # deliveries/s
P99_LIMIT = 0.100
# A room of 100 where 90 tabs close, 10 people post a burst, and the 90
# come back at once, as after a deploy: what is each sent, at what cost.
CATCH_UP_ROOM, CATCH_UP_BURST, CATCH_UP_RATE = 100, 200, 100
# One window's CPU per delivery moves by a fifth with whatever else a shared
# machine runs; at these sizes the table takes the median of several windows.
# Most rooms are small: at N = 10 the work per message, not per socket, decides.
CPU_ROOMS, CPU_WINDOWS = (10, 100), 5


def environment(workdir):
    """Return the servers' environment: production settings, a throwaway database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "site_config.settings",
        "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        # Heartbeats are housekeeping, not the message path: keep them out
        # of the measuring windows. Closed bench sockets never come back,
        # so their goodbyes need not wait 15 s into the next phase.
        "PRESENCE_HEARTBEAT_SECONDS": "3600",
        "PRESENCE_TTL_SECONDS": "7200",
        "PRESENCE_GRACE_SECONDS": "0.5",
        # Ten senders at up to hundreds of messages a second, on purpose.
        "MESSAGE_RATE_LIMIT": "1000000/1",
        # Thousands of sockets from this one address, on purpose.
        "SOCKETS_PER_ADDRESS": "1000000",
        "PYTHONUNBUFFERED": "1",
    }
    if env.get("REDIS_URL"):
        env["REDIS_PREFIX"] = f"bench-{os.getpid()}"
    return env


async def open_room(server, name, session_ids):
    from rooms.models import Room

    await Room.objects.acreate(slug=name, name=name)
    await server.quiet()
    crowd, failed = await Crowd.open(
        server.ws_urls(name), session_ids, presence=server.kind == "ours"
    )
    if failed:
        raise RuntimeError(f"{len(failed)} sockets failed to open: {failed[0]!r}")
    return crowd, failed


async def talk(server, crowd, rate, count):
    """Run the crowd's chatter; return its figures and the server's CPU."""
    before, load_before = server.cpu_seconds(), time.process_time()
    chatter = await crowd.chatter(
        senders=min(SENDERS, len(crowd.clients)), rate=rate, count=count
    )
    cpu = server.cpu_seconds() - before
    # The load generator's own cost: it must stay well under one core.
    load = time.process_time() - load_before
    return {
        "people": len(crowd.clients),
        "rate": rate,
        "sent": chatter.sent,
        "expected": chatter.expected,
        "delivered": chatter.delivered,
        "lost": chatter.lost,
        "duplicates": chatter.duplicates,
        "deliveries_per_s": chatter.delivered / chatter.seconds,
        "send_rate": chatter.send_rate,
        "cpu_us_per_delivery": cpu / max(chatter.delivered, 1) * 1e6,
        "cpu_us_per_message": cpu / chatter.sent * 1e6,
        "load_cpu_share": load / chatter.seconds,
        "load_us_per_delivery": load / max(chatter.delivered, 1) * 1e6,
        "p50_ms": ms(chatter.p(50)),
        "p90_ms": ms(chatter.p(90)),
        "p99_ms": ms(chatter.p(99)),
        "max_ms": ms(chatter.p(100)),
    }


def ms(seconds):
    return None if seconds is None else seconds * 1000


async def latency(server, people, session_ids, room=None):
    room = room or f"{server.kind}-{people}"
    crowd, failed = await open_room(server, room, session_ids)
    await crowd.settle()
    windows = [
        await talk(server, crowd, *LATENCY[people])
        for _ in range(CPU_WINDOWS if people in CPU_ROOMS else 1)
    ]
    await crowd.close()
    windows.sort(key=lambda window: window["cpu_us_per_delivery"])
    figures = windows[len(windows) // 2]
    figures["cpu_windows_us"] = [window["cpu_us_per_delivery"] for window in windows]
    # Nothing lost in any window, not only in the median one.
    figures["lost"] = sum(window["lost"] for window in windows)
    figures["duplicates"] = sum(window["duplicates"] for window in windows)
    return figures


async def storm(server, session_ids):
    """Connect everyone at once; measure, then chat in that room of 1,000."""
    from rooms.models import Room

    name = f"{server.kind}-storm"
    await Room.objects.acreate(slug=name, name=name)
    await server.quiet()
    rss = server.rss_bytes()
    started = time.perf_counter()
    crowd, failed = await Crowd.open(
        server.ws_urls(name), session_ids, presence=server.kind == "ours"
    )
    connected = time.perf_counter() - started
    await crowd.settle()
    settled = time.perf_counter() - started
    await server.quiet()
    figures = {
        "connected": len(crowd.clients),
        "failed": len(failed),
        "seconds": connected,
        "settled_seconds": settled,
        "rss_per_socket": (server.rss_bytes() - rss) / max(len(crowd.clients), 1),
    }
    chat = await talk(server, crowd, *LATENCY[PEOPLE])
    await crowd.close()
    return figures, chat


async def catch_up(server, session_ids):
    """Close most of a room, post a burst, reopen them all; count what they get."""
    name = f"{server.kind}-catch-up"
    crowd, _ = await open_room(server, name, session_ids)
    await crowd.settle()
    away = crowd.clients[SENDERS:]
    await talk(server, crowd, 20, 20)  # every tab has seen a message
    after = min(client.newest_id for client in away)
    await crowd.close(away)
    await server.quiet()
    seen_before = set(crowd.clients[0].seen)
    await crowd.chatter(senders=SENDERS, rate=CATCH_UP_RATE, count=CATCH_UP_BURST)
    burst = crowd.clients[0].seen - seen_before
    await server.quiet()
    cpu, started = server.cpu_seconds(), time.perf_counter()
    back, failed = await Crowd.open(
        server.ws_urls(name, after=after),
        session_ids[SENDERS:],
        presence=False,
        catching_up=(crowd.sent_at, len(burst)),
    )
    await back.caught_up()
    seconds = time.perf_counter() - started
    await server.quiet()
    cpu = server.cpu_seconds() - cpu
    received = sum(len(client.seen) for client in back.clients)
    figures = {
        "reconnects": len(back.clients),
        "failed": len(failed),
        "missed_each": len(burst),
        "re_sent": sum(len(client.seen - burst) for client in back.clients),
        "lost": sum(len(burst - client.seen) for client in back.clients),
        "duplicates": back.duplicates,
        "seconds": seconds,
        # Connecting included: the sockets, sessions and presence too.
        "cpu_us_per_caught_up_message": cpu / max(received, 1) * 1e6,
    }
    await back.close()
    await crowd.close()
    return figures


async def ladder(server, session_ids):
    """Step the send rate up until p99 passes 100 ms or anything is lost."""
    steps, rate = [], LADDER_START
    while rate <= LADDER_STOP:
        messages_per_s = rate / LADDER_ROOM
        crowd, _ = await open_room(server, f"{server.kind}-ladder-{rate}", session_ids)
        await crowd.settle()
        step = await talk(
            server, crowd, messages_per_s, round(messages_per_s * LADDER_SECONDS)
        )
        await crowd.close()
        step["held"] = (
            step["lost"] == 0
            and step["duplicates"] == 0
            and step["p99_ms"] < P99_LIMIT * 1000
        )
        step["load_bound"] = step["send_rate"] < 0.95 * messages_per_s
        steps.append(step)
        print(f"  {server.kind} ladder {rate:>6}/s: {report.brief(step)}", flush=True)
        if not step["held"] or step["load_bound"]:
            break
        rate = int(round(rate * LADDER_FACTOR, -2))
    return steps


async def measure(kind, env, session_ids, quick):
    server = Server(kind, env).start()
    try:
        figures = {}
        for people in CPU_ROOMS:
            figures[people] = await latency(server, people, session_ids[:people])
            print(f"  {kind} N={people}: {report.brief(figures[people])}", flush=True)
        if quick:
            return figures
        figures["storm"], figures[PEOPLE] = await storm(server, session_ids)
        print(f"  {kind} N={PEOPLE}: {report.brief(figures[PEOPLE])}", flush=True)
        print(f"  {kind} storm: {figures['storm']}", flush=True)
        if kind == "ours":
            figures["ladder"] = await ladder(server, session_ids[:LADDER_ROOM])
            figures["catch_up"] = await catch_up(server, session_ids[:CATCH_UP_ROOM])
            print(f"  {kind} catch-up: {figures['catch_up']}", flush=True)
        return figures
    finally:
        server.stop()


async def run(env, session_ids, kinds, quick):
    return {kind: await measure(kind, env, session_ids, quick) for kind in kinds}


async def one_and_two_processes(env, session_ids):
    """Each CPU room on one process of ours, then dealt out over two on one
    Redis: what a delivery costs when the room spans processes."""
    figures = {}
    for count in (1, 2):
        processes = Processes("ours", env, count).start()
        try:
            figures[count] = {}
            for people in CPU_ROOMS:
                room = f"ours-{people}-on-{count}"
                figures[count][people] = await latency(
                    processes, people, session_ids[:people], room
                )
                brief = report.brief(figures[count][people])
                print(f"  {count} process(es) N={people}: {brief}", flush=True)
        finally:
            processes.stop()
    return figures


def processes_report(figures):
    for people in CPU_ROOMS:
        one, two = (figures[count][people]["cpu_us_per_delivery"] for count in (1, 2))
        print(
            f"N={people}: {one:.0f} µs CPU per delivery on one process, "
            f"{two:.0f} µs on two (both added up): two processes with a core "
            f"each serve {2 * one / two:.2f}× the deliveries per second of one"
        )


async def catch_up_only(env, session_ids):
    server = Server("ours", env).start()
    try:
        print(await catch_up(server, session_ids[:CATCH_UP_ROOM]))
    finally:
        server.stop()


async def storm_only(env, session_ids):
    server = Server("ours", env).start()
    try:
        figures, chat = await storm(server, session_ids)
        print(figures)
        print(report.brief(chat))
    finally:
        server.stop()


def arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"only CPU at N = 10 and 100 ({CPU_WINDOWS} windows each), "
        "to compare before and after a change; writes no results",
    )
    parser.add_argument(
        "--catch-up", action="store_true", help="only the catch-up phase (ours)"
    )
    parser.add_argument(
        "--storm", action="store_true", help="only the storm phase (ours)"
    )
    parser.add_argument(
        "--processes",
        action="store_true",
        help="only CPU at N = 10 and 100 on one process of ours, then on two "
        "(needs REDIS_URL)",
    )
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="with --quick: e.g. ours,bare"
    )
    options = parser.parse_args(argv)
    options.kinds = options.kinds.split(",") if options.quick else list(KINDS)
    if not set(options.kinds) <= set(KINDS):
        parser.error(f"--kinds: choose from {', '.join(KINDS)}")
    return options


def quick_report(figures):
    for kind, phases in figures.items():
        for people in CPU_ROOMS:
            windows = ", ".join(f"{us:.0f}" for us in phases[people]["cpu_windows_us"])
            median = phases[people]
            print(
                f"{kind} N={people}: {median['cpu_us_per_delivery']:.0f} µs CPU per "
                f"delivery (windows: {windows} µs), "
                f"{median['cpu_us_per_message']:.0f} µs per message"
            )
    for other in ("bare", "stock"):
        if {"ours", other} <= figures.keys():
            for people in CPU_ROOMS:
                ours, theirs = (
                    figures[kind][people]["cpu_us_per_delivery"]
                    for kind in ("ours", other)
                )
                print(f"N={people}: ours ÷ {other} {ours / theirs:.1f}×")


def main(argv=None):
    options = arguments(argv)
    os.sched_setaffinity(0, {LOAD_CORE})
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 8 * PEOPLE)), hard))
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        env = environment(workdir)
        os.environ.update(env)
        django.setup()
        from . import database

        layer = "redis pub/sub" if env.get("REDIS_URL") else "in-memory"
        print(f"channel layer: {layer}; servers on core 0, load on core {LOAD_CORE}")
        session_ids = database.create(PEOPLE)
        # Before any server runs: the machine is as quiet as it gets.
        steps = floor.measure()
        print(f"floor, the steps only ours takes: {floor.brief(steps)}", flush=True)
        # What the baselines send for every message: the chat's own bytes.
        shape = Path(workdir) / "message.html"
        shape.write_text(database.message_shape())
        env["BENCH_MESSAGE_SHAPE"] = str(shape)
        if options.processes:
            if not env.get("REDIS_URL"):
                sys.exit(
                    "--processes needs REDIS_URL: processes share rooms through Redis"
                )
            figures = asyncio.run(
                one_and_two_processes(env, session_ids),
                loop_factory=uvloop.new_event_loop,
            )
            processes_report(figures)
            return
        if options.storm:
            asyncio.run(
                storm_only(env, session_ids), loop_factory=uvloop.new_event_loop
            )
            return
        if options.catch_up:
            asyncio.run(
                catch_up_only(env, session_ids), loop_factory=uvloop.new_event_loop
            )
            return
        started = time.monotonic()
        figures = asyncio.run(
            run(env, session_ids, options.kinds, options.quick),
            loop_factory=uvloop.new_event_loop,
        )
        if options.quick:
            quick_report(figures)
            return
        figures["layer"] = layer
        figures["floor"] = steps
        figures["seconds"] = time.monotonic() - started
        report.write(figures)


if __name__ == "__main__":
    sys.exit(main())
