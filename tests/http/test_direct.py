"""Direct conversations over plain HTTP."""

import pytest

from rooms.models import Room

pytestmark = pytest.mark.django_db


def test_one_conversation_per_pair_found_again_from_either_side(
    alice_client, bob_client
):
    response = alice_client.get("/dm/bob/")
    room = Room.objects.get(kind=Room.Kind.DIRECT)
    assert response["Location"] == room.get_absolute_url()
    assert alice_client.get("/dm/bob/")["Location"] == room.get_absolute_url()
    assert bob_client.get("/dm/alice/")["Location"] == room.get_absolute_url()
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1
    assert set(room.members.all()) == {alice_client.user, bob_client.user}


def test_a_conversation_is_shown_under_the_peoples_names(
    alice_client, bob_client, carol_client
):
    url = alice_client.get("/dm/bob/")["Location"]
    page = bob_client.get(url).content.decode()
    assert '<h1 id="room-name" class="is-direct">alice, bob</h1>' in page
    assert "Members</a>" not in page
    lobby = bob_client.get("/").content.decode()
    assert 'id="conversations"' in lobby and ">alice, bob</span>" in lobby
    assert "alice, bob" not in carol_client.get("/").content.decode()


def test_only_the_people_in_it_may_read_it(
    alice_client, bob_client, carol_client, client
):
    url = alice_client.get("/dm/bob/")["Location"]
    assert carol_client.get(url).status_code == 404
    assert client.get(url).status_code == 404
    room = Room.objects.get(kind=Room.Kind.DIRECT)
    assert (
        carol_client.post(
            f"{room.get_absolute_url()}messages/", {"message": "x"}
        ).status_code
        == 404
    )
    assert alice_client.get(f"/rooms/{room.slug}/members/").status_code == 404


def test_starting_a_conversation_needs_a_sign_in_and_a_real_person(
    alice_client, client
):
    assert client.get("/dm/alice/")["Location"].startswith("/accounts/login/")
    assert alice_client.get("/dm/nobody/").status_code == 404


def test_names_link_to_a_conversation(alice_client):
    room, _ = Room.objects.get_or_create(slug="general", defaults={"name": "general"})
    room.messages.create(author=alice_client.user, body="hello")
    page = alice_client.get("/rooms/general/").content.decode()
    assert '<a class="message-author" href="/dm/alice/">alice</a>' in page


def test_no_named_room_can_take_a_conversations_address(alice_client, bob_client):
    url = alice_client.get("/dm/bob/")["Location"]
    slug = url.strip("/").split("/")[-1]
    response = alice_client.post("/rooms/new/", {"name": slug})
    assert response["Location"] != url
    assert Room.objects.filter(slug=slug).count() == 1
