"""The people the composer offers as "@name" is typed, over plain HTTP."""

import re

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Bot, Profile
from rooms.models import Room

pytestmark = pytest.mark.django_db

User = get_user_model()


def offered(client, slug, q):
    """Return the usernames offered for q, in order."""
    response = client.get(f"/rooms/{slug}/mentions/", {"q": q})
    assert response.status_code == 200
    return re.findall(r'data-username="([^"]+)"', response.content.decode())


def test_an_open_room_offers_active_people_by_username_or_a_word_of_their_name(
    alice_client, bob_client, general
):
    grace = User.objects.create_user("grace")
    Profile.objects.create(user=grace, display_name="Grace Allen")
    Profile.objects.create(user=bob_client.user, display_name="Alfie Bobbins")
    User.objects.create_user("sally")  # "al" inside the name, not at a start
    User.objects.create_user("alfred", is_active=False)
    Bot.objects.create(user=User.objects.create_user("alertbot"))
    # Usernames that start so first, then names with a word that does.
    assert offered(alice_client, "general", "al") == [
        "alertbot",
        "alice",
        "bob",
        "grace",
    ]
    assert offered(alice_client, "general", "AL") == [
        "alertbot",
        "alice",
        "bob",
        "grace",
    ]
    assert offered(alice_client, "general", "all") == ["grace"]
    assert offered(alice_client, "general", "zed") == []


def test_the_fragment_is_a_listbox_of_options_a_bot_marked(alice_client, general):
    bot = User.objects.create_user("alertbot")
    Bot.objects.create(user=bot)
    page = alice_client.get("/rooms/general/mentions/", {"q": "al"}).content.decode()
    assert re.search(r'<ul id="mention-options"[^>]* role="listbox"', page)
    assert 'data-status="2 people match"' in page
    option = re.search(rf'<li id="mention-option-{bot.pk}"[^>]*>', page)[0]
    assert 'class="mention-option"' in option and 'role="option"' in option
    assert '<span class="mention-option-name is-bot">alertbot</span>' in page
    assert '<span class="mention-option-username">@alice</span>' in page
    assert 'src="/people/alice/avatar/?v=0"' in page
    none = alice_client.get("/rooms/general/mentions/", {"q": "zed"}).content.decode()
    assert 'data-status="No one matches"' in none and " hidden>" in none


def test_at_most_eight_are_offered(alice_client, general):
    for n in range(10):
        User.objects.create_user(f"al{n}")
    assert offered(alice_client, "general", "al") == [f"al{n}" for n in range(8)]


def test_a_private_room_or_a_conversation_offers_its_members_only(
    alice_client, bob_client, carol_client
):
    room = Room.objects.create(name="design", slug="design", kind=Room.Kind.PRIVATE)
    room.members.add(alice_client.user, bob_client.user)
    assert offered(alice_client, "design", "") == ["alice", "bob"]
    assert offered(bob_client, "design", "c") == []
    direct = Room.objects.direct_for([alice_client.user, carol_client.user])
    assert offered(carol_client, direct.slug, "") == ["alice", "carol"]
    bob_client.user.is_active = False
    bob_client.user.save()
    assert offered(alice_client, "design", "b") == []


def test_only_those_who_may_read_the_room_are_answered(
    alice_client, carol_client, client
):
    room = Room.objects.create(name="design", slug="design", kind=Room.Kind.PRIVATE)
    room.members.add(alice_client.user)
    assert carol_client.get("/rooms/design/mentions/", {"q": "a"}).status_code == 404
    assert carol_client.get("/rooms/nowhere/mentions/", {"q": "a"}).status_code == 404
    response = client.get("/rooms/design/mentions/", {"q": "a"})
    assert response["Location"].startswith("/accounts/login/")


def test_a_name_no_username_could_have_offers_no_one(alice_client, general):
    assert offered(alice_client, "general", "a\x00") == []
    assert offered(alice_client, "general", "a" * 151) == []
