"""A sweep's round (emails, pushes, webhooks) gives way to other people's locks.

It runs in every web process while a release migrates, and while a test's
flush truncates every table; on Postgres either can take its tables in the
other order, and the deadlock check would then kill the migration or the
flush rather than the sweep.
"""

import threading
import time

import psycopg
import pytest
from django.db import OperationalError, connection

from accounts.models import Bot, PushSubscription
from rooms import webhooks
from rooms.background import sweep_transaction
from rooms.models import Message

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


def test_every_query_of_the_webhook_round_gives_way_too():
    # Its read of the bots joins two tables: outside the round's transaction
    # it waited for the flush, which could be waiting for it.
    require(connection.vendor == "postgresql", "lock timeouts are Postgres's")
    locked, done = threading.Event(), threading.Event()

    def hold_the_bots_table_a_while():
        with another_connection() as other, other.transaction():
            other.execute(f"LOCK TABLE {Bot._meta.db_table} IN ACCESS EXCLUSIVE MODE")
            locked.set()
            done.wait(timeout=3)

    holding = threading.Thread(target=hold_the_bots_table_a_while)
    holding.start()
    try:
        locked.wait(timeout=10)
        started = time.monotonic()
        with pytest.raises(OperationalError, match="lock timeout"):
            webhooks.claim_next_calls()
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
