"""A sweep's round (emails, pushes, webhooks, goodbyes) gives way to other
people's locks.

It runs in every web process while a release migrates, and while a test's
flush truncates every table; on Postgres either can take its tables in the
other order, and the deadlock check would then kill the migration or the
flush rather than the sweep.
"""

import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.utils import timezone

from accounts.models import Bot, PushSubscription
from rooms.live import presence
from rooms.live.background import sweep_transaction
from rooms.models import Message, Presence, Room
from rooms.sweeps import deliveries

from .conftest import require

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.one_run("postgres")]


def test_a_round_gives_way_to_a_truncate_that_takes_its_tables_in_the_other_order():
    require(connection.vendor == "postgresql", "lock timeouts are Postgres's")
    outcome = {}
    with another_connection() as other:

        def truncate():
            try:
                other.execute(
                    f"TRUNCATE {PushSubscription._meta.db_table}, "
                    f"{Message._meta.db_table} CASCADE"
                )
                outcome["truncate"] = "done"
            except psycopg.Error as error:
                outcome["truncate"] = error

        truncating = threading.Thread(target=truncate)
        with (
            pytest.raises(OperationalError, match="lock timeout"),
            sweep_transaction(),
        ):
            list(Message.objects.all()[:1])  # the round holds messages
            truncating.start()
            wait_until_waiting_for_a_lock(other.info.backend_pid)
            PushSubscription.objects.count()  # and wants what the truncate holds
        truncating.join(timeout=10)
    assert outcome["truncate"] == "done"


def test_every_query_of_the_deliveries_round_gives_way_too(settings):
    # Its read of the bots joins two tables: outside the round's transaction
    # it waited for the flush, which could be waiting for it.
    require(connection.vendor == "postgresql", "lock timeouts are Postgres's")
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = "set"  # not idle
    room = Room.objects.create(slug="news", name="news")
    room.post(get_user_model().objects.create(username="poster"), "new")
    gives_way_while_locked(Bot, deliveries.sweep_new_messages)


def test_the_goodbye_sweeps_give_way_too():
    # They run as sockets close, so often just as a test's flush begins, and
    # each joins the presence rows with rooms or people.
    require(connection.vendor == "postgresql", "lock timeouts are Postgres's")
    room = Room.objects.create(slug="left", name="left")
    person = get_user_model().objects.create(username="leaver")
    Presence.objects.create(
        room=room,
        user=person,
        channel_name="gone",
        expires=timezone.now() - timedelta(seconds=1),
    )
    gives_way_while_locked(Room, presence._rooms_with_lapsed_rows)
    gives_way_while_locked(get_user_model(), lambda: presence._sweep(room))


def gives_way_while_locked(model, round_of_sweep):
    """Assert the round fails on its lock timeout while model's table is
    held, well before Postgres's deadlock check would."""
    locked, done = threading.Event(), threading.Event()

    def hold_the_table_a_while():
        with another_connection() as other, other.transaction():
            other.execute(f"LOCK TABLE {model._meta.db_table} IN ACCESS EXCLUSIVE MODE")
            locked.set()
            done.wait(timeout=3)

    holding = threading.Thread(target=hold_the_table_a_while)
    holding.start()
    try:
        locked.wait(timeout=10)
        started = time.monotonic()
        with pytest.raises(OperationalError, match="lock timeout"):
            round_of_sweep()
        assert time.monotonic() - started < 1  # Postgres's deadlock check
    finally:
        done.set()
        holding.join()


def another_connection():
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        autocommit=True,
    )


def wait_until_waiting_for_a_lock(other_pid):
    with another_connection() as watcher:
        for _ in range(1000):
            row = watcher.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                [other_pid],
            ).fetchone()
            if row and row[0] == "Lock":
                return
            threading.Event().wait(0.01)
    raise AssertionError("the truncate never waited for the round's lock")
