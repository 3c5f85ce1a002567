"""A room's settings over HTTP: rename, topic, archive, leave; who may."""

import re

import pytest
from django.db.models.signals import pre_save

from accounts import bots
from rooms.models import Membership, Message, Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def launch(alice_client):
    return Room.objects.create(
        name="launch", slug="launch", created_by=alice_client.user
    )


def listed(client):
    return re.findall(r'data-room="([^"]+)"', client.get("/").content.decode())


def test_its_creator_renames_it_and_sets_its_topic_at_the_same_address(
    alice_client, launch
):
    response = alice_client.post(
        "/rooms/launch/settings/", {"name": "Launch day", "topic": "Dates & owners"}
    )
    assert response["Location"] == "/rooms/launch/"
    page = alice_client.get("/rooms/launch/").content.decode()
    assert '<h1 id="room-name">Launch day</h1>' in page
    assert '<p id="room-topic" class="room-topic">Dates &amp; owners</p>' in page


def test_a_room_without_a_topic_shows_none(alice_client, launch):
    page = alice_client.get("/rooms/launch/").content.decode()
    assert '<p id="room-topic" class="room-topic" hidden></p>' in page


def test_others_may_not_change_it_but_an_administrator_may(
    alice_client, bob_client, launch
):
    page = bob_client.get("/rooms/launch/settings/").content.decode()
    assert 'id="room-settings"' not in page and 'id="room-archive"' not in page
    assert 'id="room-leave"' in page
    refused = bob_client.post("/rooms/launch/settings/", {"name": "mine", "topic": ""})
    assert refused.status_code == 403
    assert (
        bob_client.post("/rooms/launch/archive/", {"archived": "1"}).status_code == 403
    )
    bob_client.user.is_staff = True
    bob_client.user.save()
    bob_client.post("/rooms/launch/settings/", {"name": "ours", "topic": ""})
    assert Room.objects.get(slug="launch").name == "ours"


def test_a_name_another_room_has_is_refused(alice_client, launch):
    Room.objects.create(name="Random", slug="random")
    for taken in ("random", "RANDOM"):
        response = alice_client.post("/rooms/launch/settings/", {"name": taken})
        assert response.status_code == 400
        assert "A room with this name already exists." in response.content.decode()
    assert alice_client.post("/rooms/new/", {"name": "Launch"}).status_code == 400


def test_nothing_more_is_posted_in_an_archived_room(alice_client, bob_client, launch):
    launch.post(bob_client.user, "before")
    alice_client.post("/rooms/launch/archive/", {"archived": "1"})
    page = bob_client.get("/rooms/launch/").content.decode()
    assert '<p id="room-archived" class="room-archived">' in page
    assert "before" in page  # still read
    response = bob_client.post("/rooms/launch/messages/", {"message": "after"})
    assert response.status_code == 400
    assert "This room is archived" in response.content.decode()
    assert not Message.objects.filter(body="after").exists()
    alice_client.post("/rooms/launch/archive/", {"archived": "0"})
    assert (
        bob_client.post("/rooms/launch/messages/", {"message": "again"}).status_code
        == 302
    )
    assert Message.objects.filter(body="again").exists()


def test_a_bot_may_not_post_in_an_archived_room(alice_client, launch):
    _, key = bots.create("deploybot", "", by=alice_client.user)
    alice_client.post("/rooms/launch/archive/", {"archived": "1"})
    response = alice_client.post(
        "/api/rooms/launch/messages/",
        {"message": "deployed"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 403
    assert "archived" in response.json()["error"]


def test_leaving_an_open_room_unlists_it_until_it_is_opened(
    alice_client, bob_client, launch
):
    assert "launch" in listed(bob_client)
    assert bob_client.post("/rooms/launch/leave/")["Location"] == "/"
    assert "launch" not in listed(bob_client)
    assert "launch" in listed(alice_client)
    bob_client.get("/rooms/launch/")
    assert "launch" in listed(bob_client)


def test_leaving_a_private_room_ends_membership_but_its_creator_stays(
    alice_client, bob_client
):
    secret = Room.objects.create(
        name="secret",
        slug="secret",
        kind=Room.Kind.PRIVATE,
        created_by=alice_client.user,
    )
    secret.members.add(alice_client.user, bob_client.user)
    bob_client.post("/rooms/secret/leave/")
    assert not Membership.objects.filter(room=secret, user=bob_client.user).exists()
    assert bob_client.get("/rooms/secret/").status_code == 404
    assert alice_client.post("/rooms/secret/leave/").status_code == 403
    page = alice_client.get("/rooms/secret/settings/").content.decode()
    assert 'id="room-leave"' not in page


def test_a_conversation_has_no_settings(alice_client, bob_client):
    conversation = Room.objects.direct_for([alice_client.user, bob_client.user])
    url = f"/rooms/{conversation.slug}/settings/"
    assert alice_client.get(url).status_code == 404
    assert alice_client.post(f"/rooms/{conversation.slug}/leave/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, launch):
    assert client.get("/rooms/launch/settings/")["Location"].startswith(
        "/accounts/login/"
    )


def test_a_name_taken_between_the_check_and_the_save_is_refused_clearly(alice_client):
    """Two people create the same room at once: the second is told."""

    def created_meanwhile(sender, instance, **kwargs):
        pre_save.disconnect(created_meanwhile, sender=Room)
        Room.objects.create(name="Launch", slug="launch")

    pre_save.connect(created_meanwhile, sender=Room)
    try:
        response = alice_client.post("/rooms/new/", {"name": "Launch"})
    finally:
        pre_save.disconnect(created_meanwhile, sender=Room)
    assert response.status_code == 400
    assert "A room with this name already exists." in response.content.decode()
