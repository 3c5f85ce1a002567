"""Pages and forms over plain HTTP: everything works without JavaScript."""

import importlib
from datetime import timedelta

import django.apps
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from accounts.models import Profile
from rooms.models import Message, Room

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def general():
    room, _ = Room.objects.get_or_create(slug="general", defaults={"name": "general"})
    return room


@pytest.fixture
def alice_client(client):
    user = get_user_model().objects.create_user("alice", password=PASSWORD)
    client.force_login(user)
    client.user = user
    return client


def test_the_migrations_make_general():
    # Made again here: an earlier test's flush may have emptied the tables.
    Room.objects.filter(slug="general").delete()
    migration = importlib.import_module("rooms.migrations.0002_general_room")
    migration.create_general(django.apps.apps, schema_editor=None)
    assert Room.objects.filter(slug="general").exists()


def test_lobby_lists_every_room(client, general):
    get_user_model().objects.create_user("alice")  # past the first run
    Room.objects.create(name="Random", slug="random")
    page = client.get("/").content.decode()
    assert 'data-room="general"' in page
    assert 'data-room="random"' in page


def test_sign_up_lands_in_general_signed_in(client, general):
    response = client.post(
        "/accounts/signup/",
        {"username": "carol", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/rooms/general/"
    page = client.get("/rooms/general/").content.decode()
    assert 'class="account-name">carol<' in page
    assert 'id="composer"' in page


def test_sign_in_returns_to_the_room(client, general):
    get_user_model().objects.create_user("alice", password=PASSWORD)
    response = client.post(
        "/accounts/login/?next=/rooms/general/",
        {"username": "alice", "password": PASSWORD, "next": "/rooms/general/"},
    )
    assert response["Location"] == "/rooms/general/"


def test_anonymous_reader_gets_a_sign_in_form_instead_of_a_composer(client, general):
    page = client.get("/rooms/general/").content.decode()
    assert 'id="sign-in"' in page
    assert 'id="composer"' not in page
    assert 'role="log"' in page


def test_room_page_renders_history_with_the_socket_cursor(alice_client, general):
    messages = [
        general.messages.create(author=alice_client.user, body=f"message {n}")
        for n in range(3)
    ]
    page = alice_client.get("/rooms/general/").content.decode()
    # Bodies no random token in the page can contain.
    assert page.index("message 0") < page.index("message 1") < page.index("message 2")
    socket_url = (
        f"/ws/rooms/general/?after={messages[-1].pk}&amp;revision=0&amp;lang=en"
    )
    assert f'hx-ws:connect="{socket_url}"' in page
    assert (
        f'id="message-{messages[0].pk}" class="message" data-author="{alice_client.user.pk}"'
        in page
    )
    assert f'href="/viewer.css?viewer={alice_client.user.pk}"' in page


def test_posting_without_javascript_stores_and_redirects(alice_client, general):
    response = alice_client.post("/rooms/general/messages/", {"message": "no js here"})
    assert response.status_code == 302
    assert Message.objects.get().body == "no js here"


def test_posting_too_long_without_javascript_shows_the_error_and_keeps_the_text(
    alice_client, general
):
    response = alice_client.post("/rooms/general/messages/", {"message": "y" * 5001})
    assert response.status_code == 400
    assert "at most 5000 characters" in response.content.decode()
    assert ">" + "y" * 5001 + "</textarea>" in response.content.decode()
    assert not Message.objects.exists()


def test_posting_blank_without_javascript_is_ignored(alice_client, general):
    alice_client.post("/rooms/general/messages/", {"message": "   "})
    assert not Message.objects.exists()


def test_posting_requires_sign_in(client, general):
    response = client.post("/rooms/general/messages/", {"message": "hi"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Message.objects.exists()


def test_creating_a_room_opens_it(alice_client):
    response = alice_client.post("/rooms/new/", {"name": "Design Review"})
    assert response["Location"] == "/rooms/design-review/"
    assert Room.objects.get(slug="design-review").created_by == alice_client.user


@pytest.mark.parametrize(
    ("name", "error"),
    [("general", "already exists"), ("!!!", "at least one letter"), ("", "required")],
)
def test_creating_a_room_refuses_bad_names(alice_client, general, name, error):
    response = alice_client.post("/rooms/new/", {"name": name})
    assert response.status_code == 400
    assert error in response.content.decode()


def test_unknown_room_is_404(client):
    assert client.get("/rooms/nope/").status_code == 404


def test_sign_out_is_post_only(alice_client):
    assert alice_client.get("/accounts/logout/").status_code == 405
    assert alice_client.post("/accounts/logout/").status_code == 302


def test_posting_too_fast_without_javascript_keeps_the_text_and_says_why(
    alice_client, general
):
    for n in range(10):  # the default limit: 10 messages in 10 seconds
        response = alice_client.post("/rooms/general/messages/", {"message": f"{n}"})
        assert response.status_code == 302
    response = alice_client.post("/rooms/general/messages/", {"message": "one more"})
    page = response.content.decode()
    assert "You are sending messages too fast." in page
    assert ">one more</textarea>" in page
    assert Message.objects.count() == 10


def test_the_message_limit_counts_every_room_and_only_the_last_seconds(
    alice_client, general
):
    elsewhere = Room.objects.create(slug="elsewhere", name="elsewhere")
    for n in range(9):
        elsewhere.post(alice_client.user, f"{n}")
    # An eleventh second ago: out of the window (10 in 10 seconds).
    Message.objects.filter(body="0").update(
        created=timezone.now() - timedelta(seconds=11)
    )
    for body in ("ninth in the window", "tenth in the window"):
        response = alice_client.post("/rooms/general/messages/", {"message": body})
        assert response.status_code == 302
    response = alice_client.post("/rooms/general/messages/", {"message": "one more"})
    assert "You are sending messages too fast." in response.content.decode()


def test_a_conversation_starts_from_a_username_or_a_display_name(general):
    User = get_user_model()
    ada = User.objects.create_user("ada")
    grace = User.objects.create_user("grace")
    Profile.objects.create(user=grace, display_name="Grace Hopper")
    User.objects.create_user("ghost", is_active=False)
    client = Client()
    client.force_login(ada)
    for typed in ("grace", "@Grace", "grace hopper", " Grace Hopper "):
        response = client.get("/dm/", {"username": typed})
        assert response["Location"] == "/dm/grace/", typed
    for nobody in ("Grace H", "ghost"):
        response = client.get("/dm/", {"username": nobody})
        assert response.status_code == 404
        assert "Nobody here goes by" in response.content.decode()
