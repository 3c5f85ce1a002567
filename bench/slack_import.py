"""`python -m bench.slack_import`: a Slack export of a million messages moved in.

Writes an export in Slack's shapes (a folder: 200 people, 20 channels, one
file per channel per day; a reply in ten is in a thread, some with
mentions, markup and reactions), then runs `manage.py import_slack` on it
as an administrator would, into a fresh database beside DATABASE_URL's
(`bench_import`, on Postgres; SQLite with --sqlite), and prints messages
per second and the command's peak memory.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .search import create_database

DATABASE = "bench_import"
PEOPLE, CHANNELS = 200, 20
PER_DAY = 500  # messages per channel per day file
T0 = 1_600_000_000
WORDS = [
    "deploy",
    "release",
    "build",
    "review",
    "merge",
    "ticket",
    "lunch",
    "meeting",
    "numbers",
    "plan",
]


def write_export(folder, messages, rng):
    """Write an export of about `messages` messages into folder."""
    users = [
        {
            "id": f"U{n:05d}",
            "name": f"person {n}",
            "profile": {"real_name": f"Person {n}", "email": f"p{n}@example.com"},
        }
        for n in range(PEOPLE)
    ]
    ids = [user["id"] for user in users]
    channels = [
        {
            "id": f"C{n:04d}",
            "name": f"channel-{n}",
            "members": ids,
            "topic": {"value": ""},
            "purpose": {"value": ""},
        }
        for n in range(CHANNELS)
    ]
    (folder / "users.json").write_text(json.dumps(users))
    (folder / "channels.json").write_text(json.dumps(channels))
    per_channel = messages // CHANNELS
    for channel in channels:
        path = folder / channel["name"]
        path.mkdir()
        thread = None
        for day, first in enumerate(range(0, per_channel, PER_DAY)):
            clock = T0 + day * 86400  # a file per day, as Slack writes them
            day_messages = []
            for _ in range(min(PER_DAY, per_channel - first)):
                clock += rng.randint(1, 60)
                message = {
                    "type": "message",
                    "user": rng.choice(ids),
                    "ts": f"{clock}.000100",
                    "text": " ".join(rng.choices(WORDS, k=rng.randint(3, 15))),
                }
                if rng.random() < 0.1:
                    message["text"] = f"*{message['text']}* <@{rng.choice(ids)}>"
                if rng.random() < 0.05:
                    message["reactions"] = [
                        {"name": "thumbsup", "users": rng.sample(ids, 3), "count": 3}
                    ]
                if thread is not None and rng.random() < 0.1:
                    message["thread_ts"] = thread
                elif rng.random() < 0.02:
                    thread = message["ts"]
                    message["thread_ts"] = thread
                day_messages.append(message)
            name = time.strftime("%Y-%m-%d", time.gmtime(T0 + day * 86400))
            (path / f"{name}.json").write_text(json.dumps(day_messages))
    return per_channel * CHANNELS


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument(
        "--sqlite", action="store_true", help="SQLite instead of Postgres"
    )
    options = parser.parse_args()
    rng = random.Random(7)
    env = dict(os.environ, DEBUG="0", SECRET_KEY="bench", ALLOWED_HOSTS="localhost")
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        if options.sqlite:
            env["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
        else:
            url = os.environ.get(
                "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
            )
            env["DATABASE_URL"] = create_database(url, DATABASE)
        started = time.monotonic()
        export = scratch / "export"
        export.mkdir()
        written = write_export(export, options.messages, rng)
        print(
            f"wrote an export of {written:,} messages in {time.monotonic() - started:.0f} s"
        )
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
        started = time.monotonic()
        subprocess.run(
            [
                *manage,
                "import_slack",
                str(export),
                "--claims",
                str(scratch / "claims.csv"),
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    engine = "SQLite" if options.sqlite else "Postgres"
    print(
        f"import_slack on {engine}: {written:,} messages in {seconds:.0f} s "
        f"({written / seconds:,.0f} messages/s), peak memory {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
