"""Private rooms and their members over plain HTTP."""

import pytest

from rooms.models import Message, Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(alice_client, bob_client):
    """Return alice's private room, with bob in it."""
    alice_client.post("/rooms/new/", {"name": "Secret", "private": "on"})
    room = Room.objects.get(slug="secret")
    alice_client.post("/rooms/secret/members/", {"username": "bob"})
    return room


def test_creating_a_private_room_makes_its_creator_a_member(alice_client):
    response = alice_client.post("/rooms/new/", {"name": "Secret", "private": "on"})
    assert response["Location"] == "/rooms/secret/"
    room = Room.objects.get(slug="secret")
    assert room.is_private
    assert list(room.members.all()) == [alice_client.user]
    assert alice_client.get("/rooms/secret/").status_code == 200


def test_a_room_is_open_unless_marked_private(alice_client):
    alice_client.post("/rooms/new/", {"name": "Lounge"})
    assert not Room.objects.get(slug="lounge").is_private


def test_lobby_shows_only_the_rooms_you_may_see(
    general, secret, alice_client, bob_client, carol_client, client
):
    assert 'data-room="secret"' in alice_client.get("/").content.decode()
    assert 'data-room="secret"' in bob_client.get("/").content.decode()
    for outsider in (carol_client, client):
        page = outsider.get("/").content.decode()
        assert 'data-room="general"' in page
        assert 'data-room="secret"' not in page


def test_outsiders_cannot_read_or_post(secret, alice_client, carol_client, client):
    message = secret.messages.create(author=alice_client.user, body="for members")
    for outsider in (carol_client, client):
        assert outsider.get("/rooms/secret/").status_code == 404
        assert (
            outsider.get(f"/rooms/secret/?before={message.pk + 1}").status_code == 404
        )
        assert outsider.get(message.get_absolute_url()).status_code == 404
        assert outsider.get("/rooms/secret/members/").status_code == 404
    assert (
        carol_client.post("/rooms/secret/messages/", {"message": "hi"}).status_code
        == 404
    )
    assert list(Message.objects.values_list("body", flat=True)) == ["for members"]


def test_members_read_and_post(secret, bob_client):
    assert (
        bob_client.post("/rooms/secret/messages/", {"message": "hi"}).status_code == 302
    )
    assert "hi" in bob_client.get("/rooms/secret/").content.decode()


def test_the_creator_adds_members_by_username(secret, alice_client):
    page = alice_client.get("/rooms/secret/members/").content.decode()
    assert 'id="add-member"' in page
    assert page.count('class="member-remove"') == 1  # bob's; not her own
    response = alice_client.post("/rooms/secret/members/", {"username": "nobody"})
    assert response.status_code == 400
    assert "Nobody here goes by that name." in response.content.decode()
    response = alice_client.post("/rooms/secret/members/", {"username": "bob"})
    assert "bob is already a member." in response.content.decode()


def test_only_the_creator_manages_members(secret, bob_client, carol_client):
    page = bob_client.get("/rooms/secret/members/").content.decode()
    assert '<span class="member-name">alice</span>' in page
    assert 'id="add-member"' not in page and "member-remove" not in page
    assert (
        bob_client.post("/rooms/secret/members/", {"username": "carol"}).status_code
        == 403
    )
    removal = f"/rooms/secret/members/{bob_client.user.pk}/remove/"
    assert bob_client.post(removal).status_code == 403
    assert secret.members.filter(pk=bob_client.user.pk).exists()


def test_removing_a_member_shuts_them_out(secret, alice_client, bob_client):
    response = alice_client.post(f"/rooms/secret/members/{bob_client.user.pk}/remove/")
    assert response["Location"] == "/rooms/secret/members/"
    assert bob_client.get("/rooms/secret/").status_code == 404
    assert (
        alice_client.post(
            f"/rooms/secret/members/{alice_client.user.pk}/remove/"
        ).status_code
        == 403
    )


def test_open_rooms_have_no_member_list(alice_client):
    Room.objects.get_or_create(slug="general", defaults={"name": "general"})
    assert alice_client.get("/rooms/general/members/").status_code == 404


def test_signing_out_of_a_private_room_goes_over_http(secret, alice_client):
    page = alice_client.get("/rooms/secret/").content.decode()
    # The socket's sign-out keeps the tab reading as nobody; not here.
    assert 'class="sign-out" method="post" action="/accounts/logout/">' in page
