"""Banning over plain HTTP: the account, the messages and the addresses."""

import contextlib
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.forms import BANNED
from accounts.models import AdminAction, BannedAddress
from rooms.live import broadcast, events
from rooms.models import Message, Room

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()
BOBS_NETWORK = "203.0.113.5"


def sign_in(username, address):
    client = Client(REMOTE_ADDR=address)
    response = client.post(
        "/accounts/login/", {"username": username, "password": PASSWORD}
    )
    return client, response


@pytest.fixture
def admin_client(general):
    admin = User.objects.create_user(
        "ada", password=PASSWORD, is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(admin)
    return client


def test_a_ban_deletes_every_message_and_bars_the_addresses_signed_in_from(
    admin_client, general
):
    bob = User.objects.create_user("bob", password=PASSWORD)
    User.objects.create_user("carol", password=PASSWORD)
    _, response = sign_in("bob", BOBS_NETWORK)
    assert response.status_code == 302
    spam = [general.messages.create(author=bob, body=f"spam {n}") for n in range(3)]
    kept = general.messages.create(author=User.objects.get(username="ada"), body="hi")

    confirm = admin_client.get("/people/bob/ban/").content.decode()
    assert "all 3 of their messages" in confirm
    assert "no other account used it in the last 30 days" in confirm
    page = admin_client.post(
        "/people/bob/ban/", {"addresses": [BOBS_NETWORK]}, follow=True
    ).content.decode()
    assert "bob: banned, 3 messages deleted, 1 addresses barred." in page

    assert not User.objects.get(username="bob").is_active
    for message in Message.objects.filter(pk__in=[m.pk for m in spam]):
        assert message.deleted and message.body == ""
    assert not Message.objects.get(pk=kept.pk).deleted
    assert list(BannedAddress.objects.values_list("client_address", flat=True)) == [
        BOBS_NETWORK
    ]
    action = AdminAction.objects.get(action="banned")
    assert (action.actor.username, action.subject.username) == ("ada", "bob")
    assert action.detail == "3 messages deleted, 1 addresses barred"

    # From his network: no new account, and nobody signs in.
    signup = Client(REMOTE_ADDR=BOBS_NETWORK).post(
        "/accounts/signup/",
        {"username": "bob2", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert signup.status_code == 403
    assert 'data-reason="banned"' in signup.content.decode()
    assert not User.objects.filter(username="bob2").exists()
    _, response = sign_in("carol", BOBS_NETWORK)
    assert BANNED in response.content.decode()
    # From elsewhere, others are unaffected.
    _, response = sign_in("carol", "198.51.100.7")
    assert response.status_code == 302

    # Reactivating lets the address in again; the messages stay deleted.
    admin_client.post("/people/bob/active/", {"active": "1"})
    assert not BannedAddress.objects.exists()
    _, response = sign_in("bob", BOBS_NETWORK)
    assert response.status_code == 302
    assert Message.objects.filter(author__username="bob", deleted=None).count() == 0


def test_nobody_bans_themselves_and_members_ban_nobody(admin_client):
    response = admin_client.post("/people/ada/ban/", follow=True)
    assert "You cannot ban yourself" in response.content.decode()
    assert User.objects.get(username="ada").is_active
    User.objects.create_user("mallory", password=PASSWORD)
    member, _ = sign_in("mallory", "198.51.100.9")
    assert member.post("/people/ada/ban/").status_code == 403
    assert User.objects.get(username="ada").is_active


def test_a_ban_covers_the_account_and_an_address_only_when_chosen(
    admin_client, general
):
    User.objects.create_user("bob", password=PASSWORD)
    User.objects.create_user("carol", password=PASSWORD)
    sign_in("bob", BOBS_NETWORK)
    sign_in("carol", BOBS_NETWORK)  # the same office
    sign_in("bob", "198.51.100.50")  # and bob's phone
    confirm = admin_client.get("/people/bob/ban/").content.decode()
    assert "1 other account used it in the last 30 days" in confirm
    assert 'name="addresses" value="203.0.113.5">' in confirm  # unticked
    # Someone's address they did not sign in from is not theirs to bar.
    admin_client.post("/people/bob/ban/", {"addresses": ["192.0.2.99"]})
    assert not BannedAddress.objects.exists()
    # carol, on bob's network, signs in as ever; bob does not.
    _, response = sign_in("carol", BOBS_NETWORK)
    assert response.status_code == 302
    _, response = sign_in("bob", "198.51.100.50")
    assert response.status_code == 200
    assert "inactive" in response.content.decode() or "correct username" in (
        response.content.decode()
    )


def test_a_ban_deletes_many_messages_at_once_and_shows_each_after_it_commits(
    admin_client, general, settings
):
    """One transaction of a few statements, past any limit on one person's
    deletions: a ban never stops halfway, its record left unwritten."""
    bob = User.objects.create_user("bob", password=PASSWORD)
    elsewhere = Room.objects.create(name="elsewhere", slug="elsewhere")
    count, _ = settings.EDIT_RATE_LIMIT
    spam = [
        room.messages.create(author=bob, body=f"spam {n}")
        for n in range(count + 5)
        for room in (general, elsewhere)
    ]
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(broadcast.room_group(general.pk), channel)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post("/people/bob/ban/", follow=True)
    assert f"bob: banned, {len(spam)} messages deleted." in response.content.decode()
    # A few per request besides: the session, the person, their language.
    assert len(queries) <= 40
    assert not Message.objects.filter(author=bob, deleted=None).exists()
    assert AdminAction.objects.get(action="banned").detail == (
        f"{len(spam)} messages deleted"
    )
    # Already sent, each once, after the commit: none waits to be received.
    shown = [async_to_sync(layer.receive)(channel) for _ in range(count + 5)]
    assert sorted(events.from_layer(event).id for event in shown) == sorted(
        message.pk for message in spam if message.room_id == general.pk
    )


def test_two_administrators_deactivating_each_other_at_once_leave_one(
    admin_client, general
):
    """Each checks that another administrator remains, then saves: two at
    once must not both see the other and leave the chat with none."""
    User.objects.create_user("bea", password=PASSWORD, is_staff=True)
    bea = Client()
    bea.force_login(User.objects.get(username="bea"))
    # Each request waits for the other just before saving, as long as it may.
    both_checked = threading.Barrier(2, timeout=0.5)

    def saving_at_once(sender, update_fields, **kwargs):
        if update_fields and "is_active" in update_fields:
            with contextlib.suppress(threading.BrokenBarrierError):
                both_checked.wait()

    def deactivate(client, username):
        try:
            client.post(f"/people/{username}/active/", {"active": "0"})
        finally:
            connection.close()

    pre_save.connect(saving_at_once, sender=User)
    try:
        requests = [
            threading.Thread(target=deactivate, args=(admin_client, "bea")),
            threading.Thread(target=deactivate, args=(bea, "ada")),
        ]
        for thread in requests:
            thread.start()
        for thread in requests:
            thread.join()
    finally:
        pre_save.disconnect(saving_at_once, sender=User)
    assert User.objects.filter(is_staff=True, is_active=True).count() == 1
