"""Who is told of a message (rooms/sweeps/audience.py) and the sweep that
stores each push and webhook call as a Delivery (rooms/sweeps/deliveries.py),
in this process: what the real servers of test_push.py and test_api.py do
after it is told here."""

import socket
import sqlite3

import pytest
from django.db import connection

from accounts import bans, bots
from accounts.models import PushSubscription
from rooms.messages import changes
from rooms.models import Delivery, ReadMark, Room, SweepCursor
from rooms.sweeps import audience, deliveries, previews, push, webhooks

from .conftest import held_open, sign_up

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pushing(settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = "set"


def subscribe(person, path="/browser"):
    return PushSubscription.objects.create(
        user=person.user,
        endpoint=f"https://push.example.com{path}",
        p256dh="k",
        auth="a",
    )


def told(message):
    message = type(message).objects.select_related("room").get(pk=message.pk)
    return audience.told_of([message])[message.pk]


def test_the_banned_and_the_muted_are_told_nothing(general, alice, bob):
    carol = sign_up("carol")
    mention = general.post(bob.user, "@alice @carol look")
    assert told(mention) == {alice.user.pk, carol.user.pk}
    bans.ban(carol.user, by=alice.user)
    assert told(mention) == {alice.user.pk}
    # A muted conversation is like a muted room: a mention only, for every
    # way of telling (its email was sent where its push was not).
    direct = Room.objects.direct_for([alice.user, bob.user])
    ReadMark.objects.create(user=alice.user, room=direct, muted=True)
    assert told(direct.post(bob.user, "just chatter")) == set()
    assert told(direct.post(bob.user, "@alice this one")) == {alice.user.pk}


def test_a_ban_stops_pushes_already_due(pushing, general, alice, bob):
    subscribe(alice)
    general.post(bob.user, "@alice before the ban")
    deliveries.sweep_new_messages()
    [delivery] = deliveries.claim_due(Delivery.Kind.PUSH)
    bans.ban(alice.user, by=bob.user)
    delivery.user.refresh_from_db()
    push.push(delivery)  # done, and nothing sent: no TryAgain from the network


def test_a_mention_added_by_an_edit_is_pushed_and_sent_to_bots(
    pushing, general, alice, bob
):
    subscribe(alice)
    helper, _ = bots.create("helper", "", by=bob.user)
    helper.webhook_url = "https://bots.example.com/hook"
    helper.save()
    message = general.post(bob.user, "nobody yet")
    assert deliveries.sweep_new_messages() == 1
    assert not Delivery.objects.exists()
    changes.edit(message, bob.user, "@alice and @helper now")
    told = set(Delivery.objects.values_list("kind", "user"))
    assert told == {("push", alice.user.pk), ("webhook", helper.user.pk)}
    changes.edit(message, bob.user, "@alice and @helper, again")
    assert Delivery.objects.count() == 2  # no one is told twice


def test_a_lookup_that_fails_keeps_the_browser(settings, alice, monkeypatch):
    settings.PUSH_ALLOW_PRIVATE = False

    def no_answer(*args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure")

    monkeypatch.setattr(socket, "getaddrinfo", no_answer)
    subscription = subscribe(alice)
    with pytest.raises(deliveries.TryAgain):
        push.send(subscription, {"title": "t"})
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()


@pytest.mark.one_run("sqlite")
def test_idle_rounds_write_nothing(general, alice, bob):
    # No push keys, no webhook, no new message to preview: a round takes no
    # lock at all. On SQLite a
    # transaction is the write lock, every second in every process.
    if connection.vendor != "sqlite":
        pytest.skip("the write lock is SQLite's")
    general.post(bob.user, "@alice while nothing is set")
    SweepCursor.make_if_new("previews")  # on by default, past that message
    writer = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 0")
        assert push.push_new_messages() == 0
        assert webhooks.deliver_new_messages() == 0
        assert previews.claim_next_links() == []
    finally:
        writer.rollback()
        writer.close()


@pytest.mark.one_run("sqlite")
def test_rounds_with_nothing_new_write_nothing(pushing, general, alice, bob):
    if connection.vendor != "sqlite":
        pytest.skip("the write lock is SQLite's")
    general.post(bob.user, "@alice swept once")
    assert deliveries.sweep_new_messages() == 1
    writer = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    writer.execute("BEGIN IMMEDIATE")
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 0")
        assert push.push_new_messages() == 0
    finally:
        writer.rollback()
        writer.close()


@pytest.mark.one_run("postgres")
def test_a_message_that_commits_late_is_still_swept(pushing, alice, bob):
    # On Postgres ids are handed out at the insert, not the commit: room
    # one's message holds a lower id than room two's, and commits after.
    if connection.vendor != "postgresql":
        pytest.skip("ids commit in order on SQLite")
    one = Room.objects.create(slug="one", name="one")
    two = Room.objects.create(slug="two", name="two")
    subscribe(alice)
    with held_open(lambda: one.post(bob.user, "@alice held back")) as held:
        later = two.post(bob.user, "@alice committed first")
        assert later.pk > held.pk
        deliveries.sweep_new_messages()
        assert set(Delivery.objects.values_list("message", flat=True)) == {later.pk}
    deliveries.sweep_new_messages()
    assert set(Delivery.objects.values_list("message", flat=True)) == {
        later.pk,
        held.pk,
    }
