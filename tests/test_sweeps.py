"""A sweep's round (emails, pushes) gives way to other people's locks.

It runs in every web process while a release migrates, and while a test's
flush truncates every table; on Postgres either can take its tables in the
other order, and the deadlock check would then kill the migration or the
flush rather than the sweep.
"""

import threading

import psycopg
import pytest
from django.db import OperationalError, connection

from accounts.models import PushSubscription
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
