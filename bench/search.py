"""`python -m bench.search`: search and the room page on Postgres at a
million messages.

Seeds a fresh database beside DATABASE_URL's (same server, `bench_search`)
with COPY, outside Django, as a bulk load would; then times the search
page for rare, common and absent words as a person who may read some of
the private rooms, the latest page of a room with its sidebar, and what
the search index costs each stored message.
"""

import argparse
import bisect
import itertools
import json
import os
import random
import secrets
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import dj_database_url
import django
import psycopg

from . import report

DATABASE = "bench_search"
ROOMS_OPEN, ROOMS_PRIVATE, PEOPLE = 20, 20, 200
# The searcher is a member of this many of the private rooms.
MEMBER_OF = 5
VOCABULARY = 20_000
# Zipf's law: the word of rank r is used in proportion to 1 / r**ZIPF.
ZIPF = 1.07
WORDS_PER_MESSAGE = (3, 20)
# What people type between the words that matter; the index skips them.
STOP_WORDS = ["the", "a", "to", "and", "is", "it", "we", "on", "for", "i"]
REPEATS = 20
PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
INSERTS = 500


def vocabulary(rng):
    """Return VOCABULARY made-up words, distinct, each at least six letters."""
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    words = set()
    while len(words) < VOCABULARY:
        syllables = rng.randint(3, 4)
        words.add(
            "".join(
                rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables)
            )
        )
    return sorted(words)


def bodies(rng, words, count):
    """Yield count message bodies, their words drawn by Zipf's law."""
    weights = itertools.accumulate(1 / rank**ZIPF for rank in range(1, len(words) + 1))
    cumulative = list(weights)
    total = cumulative[-1]
    for _ in range(count):
        length = rng.randint(*WORDS_PER_MESSAGE)
        chosen = [
            words[bisect.bisect(cumulative, rng.random() * total)]
            for _ in range(length)
        ]
        for _ in range(length // 3):
            chosen.insert(rng.randrange(len(chosen)), rng.choice(STOP_WORDS))
        yield " ".join(chosen)


def create_database(url, name=DATABASE):
    """Drop and create a bench's database on url's server; return its URL."""
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("make bench-search needs DATABASE_URL=postgres://…")
    with psycopg.connect(
        dbname=config["NAME"],
        user=config["USER"],
        password=config["PASSWORD"],
        host=config["HOST"],
        port=config["PORT"] or None,
        autocommit=True,
    ) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


def seed(messages, rng):
    """Create people, rooms and messages; return the searcher and word counts."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from rooms.models import Room

    User = get_user_model()
    people = User.objects.bulk_create(
        User(username=f"person{n}") for n in range(PEOPLE)
    )
    searcher = people[0]
    rooms = Room.objects.bulk_create(
        [Room(slug=f"open-{n}", name=f"open {n}") for n in range(ROOMS_OPEN)]
        + [
            Room(slug=f"private-{n}", name=f"private {n}", kind=Room.Kind.PRIVATE)
            for n in range(ROOMS_PRIVATE)
        ]
    )
    private = [room for room in rooms if room.kind == Room.Kind.PRIVATE]
    for room in private[:MEMBER_OF]:
        room.members.add(searcher)
    room_ids = [room.pk for room in rooms]
    words = vocabulary(rng)
    counts = Counter()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    step = timedelta(days=330) / messages
    started = time.perf_counter()
    with connection.cursor() as cursor:
        copy_sql = (
            "COPY rooms_message (room_id, author_id, body, created, reactors, revision)"
            " FROM STDIN"
        )
        with cursor.cursor.copy(copy_sql) as copy:
            for n, body in enumerate(bodies(rng, words, messages)):
                counts.update(set(body.split()))
                room, author = rng.choice(room_ids), rng.choice(people).pk
                created = (start + n * step).isoformat()
                copy.write(f"{room}\t{author}\t{body}\t{created}\t{{}}\t0\n")
    copy_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE rooms_message")
    return searcher, words, counts, copy_seconds


def chosen_words(words, counts, rng):
    """Return the words to search for: rare, common and absent ones."""
    rare = [word for word in words if 10 <= counts[word] <= 100]
    by_use = sorted(words, key=counts.__getitem__, reverse=True)
    return {
        "rare": rng.sample(rare, 5),
        # The most used words, and some a hundred times rarer.
        "common": by_use[:2] + [by_use[10], by_use[100], by_use[300]],
        "absent": [f"zyx{secrets.token_hex(3)}" for _ in range(5)],
    }


def timings(client, words, repeats):
    """Return the seconds of each search page for words, repeats times each."""
    seconds = []
    for _ in range(repeats):
        for word in words:
            started = time.perf_counter()
            response = client.get("/search/", {"q": word})
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    return sorted(seconds)


def percentiles(seconds):
    return {
        "p50_ms": statistics.median(seconds) * 1000,
        "p95_ms": seconds[int(0.95 * len(seconds))] * 1000,
        "max_ms": seconds[-1] * 1000,
    }


def room_page(client, searcher, repeats):
    """Return the seconds of each latest page of a room, with its sidebar.

    Each room the searcher may read has a read mark five messages from its
    end, so the sidebar counts unread messages in every entry; the room
    opened is read by its first request.
    """
    from rooms.models import ReadMark, Room

    marks = []
    for room in Room.objects.visible_to(searcher):
        newest = room.messages.order_by("-pk").values_list("pk", flat=True).first()
        if newest:  # not #general, which the migrations make empty
            marks.append(ReadMark(user=searcher, room=room, last_read_id=newest - 5))
    ReadMark.objects.bulk_create(marks)
    rooms = [f"/rooms/{slug}/" for slug in ("open-0", "private-0")]
    for url in rooms:  # the first of each warms the caches
        assert client.get(url).status_code == 200
    seconds = []
    for _ in range(repeats):
        for url in rooms:
            started = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
    return sorted(seconds)


def insert_cost(searcher):
    """Return µs per Room.post with the stored words and their index, and without."""
    from django.db import connection

    from rooms.models import Room

    room = Room.objects.get(slug="open-0")

    def per_post():
        started = time.perf_counter()
        for n in range(INSERTS):
            room.post(searcher, f"inserted message {n} about the weekly deploy")
        return (time.perf_counter() - started) / INSERTS * 1e6

    with_words = per_post()
    with connection.cursor() as cursor:
        # Instant: Postgres only marks the column dropped. The database is
        # thrown away after this.
        cursor.execute("ALTER TABLE rooms_message DROP COLUMN IF EXISTS search_words")
    return {"with_words_us": with_words, "without_words_us": per_post()}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.search")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument(
        "--database", default=DATABASE, help="the name of the database it makes"
    )
    options = parser.parse_args(argv)
    url = create_database(os.environ.get("DATABASE_URL", ""), options.database)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="site_config.settings",
        DATABASE_URL=url,
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
    )
    django.setup()
    from django.core.management import call_command
    from django.test import Client, override_settings

    call_command("migrate", verbosity=0)
    rng = random.Random(6)
    print(f"seeding {options.messages:,} messages with COPY…", flush=True)
    searcher, words, counts, copy_seconds = seed(options.messages, rng)
    print(f"  {copy_seconds:.0f} s", flush=True)
    client = Client()
    client.force_login(searcher)
    figures = {"messages": options.messages, "copy_seconds": copy_seconds}
    # The pages' static URLs without a collectstatic run.
    with override_settings(STORAGES=PLAIN_STATIC):
        for kind, chosen in chosen_words(words, counts, rng).items():
            timings(client, chosen[:1], 1)  # the first search warms the caches
            figures[kind] = percentiles(timings(client, chosen, options.repeats))
            figures[kind]["messages_with_word"] = [counts[word] for word in chosen]
            print(f"  {kind:>6}: {figures[kind]}", flush=True)
        figures["room_page"] = percentiles(
            room_page(client, searcher, options.repeats * 5)
        )
        print(f"  room page: {figures['room_page']}", flush=True)
    figures["insert"] = insert_cost(searcher)
    print(f"  Room.post: {figures['insert']}", flush=True)
    figures["machine"] = report.machine()
    report.RESULTS.mkdir(exist_ok=True)
    name = f"search-{figures['machine']['date']}-{figures['machine']['commit']}.json"
    (report.RESULTS / name).write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote bench/results/{name}")


if __name__ == "__main__":
    sys.exit(main())
