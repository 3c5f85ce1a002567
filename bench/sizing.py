"""`python -m bench.sizing`: how many processes a workspace needs, from
the figures of a `make bench` run (docs/scaling.md).

Nothing is measured here: it is arithmetic on a results file's measured
costs and on the stated guesses of how a workspace uses its chat.
"""

import argparse
import itertools
import json
import math
from pathlib import Path

RESULTS = Path(__file__).parent / "results"

# How a workspace uses the chat at its busiest hour: guesses, stated.
ONLINE = 0.6  # of its people, at once
TABS = 1.5  # open sockets per person online
MESSAGES_PER_HOUR = 6  # each person online posts, at the peak
TYPING_PER_MESSAGE = 3  # typing notices sent per message
# The sockets one message reaches on average: most rooms are small, and a
# few (announcements, #general) hold everyone.
AUDIENCE = {1_000: 40, 10_000: 80, 100_000: 150}

BUSY = 0.5  # of a core: room for a burst, a deploy's reconnects, the sweeps
PROCESS_MEMORY_MIB = 512  # a typical container's limit
IDLE_PROCESS_MIB = 130  # the soak's processes at rest (bench/HISTORY.md)
# Database statements of one posted message: one transaction (the author's
# lock, the rate limit's count, the room's lock, the insert).
STATEMENTS_PER_MESSAGE = 6


def newest_results():
    runs = [p for p in sorted(RESULTS.glob("*.json")) if "-" in p.stem[:11]]
    runs = [p for p in runs if not p.stem.startswith(("search", "import"))]
    return runs[-1]


def cpu_per_message_us(figures, audience):
    """Server CPU of one message reaching audience sockets: between the
    measured room sizes, along the line through the nearest two."""
    measured = sorted(
        (int(size), run["cpu_us_per_message"])
        for size, run in figures.items()
        if size.isdigit() and "cpu_us_per_message" in run
    )
    pairs = list(itertools.pairwise(measured))
    nearest = next((pair for pair in pairs if audience <= pair[1][0]), pairs[-1])
    (small, small_cpu), (large, large_cpu) = nearest
    per_socket = (large_cpu - small_cpu) / (large - small)
    return small_cpu + per_socket * (audience - small)


def size(people, figures):
    ours = figures["ours"]
    sockets = people * ONLINE * TABS
    messages_per_s = people * ONLINE * MESSAGES_PER_HOUR / 3600
    audience = AUDIENCE[people]
    cpu_us = cpu_per_message_us(ours, audience)
    # A typing notice goes to the same sockets, but is neither checked,
    # stored nor drawn: the bare server's cost of the same fan-out.
    typing_us = cpu_per_message_us(figures["bare"], audience)
    cores = messages_per_s * (cpu_us + TYPING_PER_MESSAGE * typing_us) / 1e6 / BUSY
    socket_kib = ours["storm"]["rss_per_socket"] / 1024
    sockets_per_process = (PROCESS_MEMORY_MIB - IDLE_PROCESS_MIB) * 1024 / socket_kib
    memory_share = sockets / sockets_per_process  # of one process's
    processes = max(2, math.ceil(cores), math.ceil(memory_share))
    # Two at least: one restarts while the other serves.
    reconnect_s = sockets / processes / ours["storm"]["connected"]
    reconnect_s *= ours["storm"]["seconds"]
    return {
        "people": people,
        "sockets": round(sockets),
        "messages/s": messages_per_s,
        "deliveries/s": messages_per_s * audience,
        "CPU cores (at half busy)": cores,
        "sockets per process (memory)": round(sockets_per_process),
        "processes": processes,
        "first to fill": "memory (sockets)" if memory_share >= cores else "CPU",
        "a process's sockets back after its restart, s": reconnect_s,
        "Redis: publishes/s": messages_per_s * (1 + TYPING_PER_MESSAGE),
        "Postgres: statements/s for messages": messages_per_s * STATEMENTS_PER_MESSAGE,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=Path, default=None)
    path = parser.parse_args().results or newest_results()
    run = json.loads(path.read_text())
    rows = [size(people, run["figures"]) for people in AUDIENCE]
    machine = run["machine"]
    print(f"From {path.name} ({machine['cpu']}, {machine['cores']} cores)\n")
    print("| | " + " | ".join(f"{row['people']:,} people" for row in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for key in list(rows[0])[1:]:
        cells = [row[key] for row in rows]
        shown = [shown_as(cell) for cell in cells]
        print(f"| {key} | " + " | ".join(shown) + " |")


def shown_as(cell):
    if isinstance(cell, float):
        return f"{cell:,.1f}"
    if isinstance(cell, int):
        return f"{cell:,}"
    return cell


if __name__ == "__main__":
    main()
