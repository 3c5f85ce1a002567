"""Who may join, and the people page, over plain HTTP (no JavaScript)."""

import re
import socket

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from accounts.models import (
    AdminAction,
    Bot,
    Invitation,
    Profile,
    SignUpPolicy,
    hash_code,
)

from .conftest import PASSWORD
from .files import picture

pytestmark = pytest.mark.django_db

User = get_user_model()


def sign_up_form(username):
    return {"username": username, "password1": PASSWORD, "password2": PASSWORD}


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_user(
        "ada", password=PASSWORD, is_staff=True, is_superuser=True
    )
    client.force_login(admin)
    client.user = admin
    return client


def invitation_only():
    policy = SignUpPolicy.current()
    policy.mode = SignUpPolicy.Mode.INVITATION
    policy.save()
    return policy


def join_path(policy):
    return f"/join/{policy.join_code}/"


def test_the_first_visit_makes_the_first_account_its_administrator(client):
    assert client.get("/").url == "/accounts/signup/"
    assert client.get("/accounts/login/").url == "/accounts/signup/"
    page = client.get("/accounts/signup/").content.decode()
    assert 'id="first-run"' in page and "administrator" in page
    response = client.post("/accounts/signup/", sign_up_form("founder"))
    assert response.url == "/rooms/general/"
    founder = User.objects.get()
    assert founder.is_staff and founder.is_superuser
    assert AdminAction.objects.get().action == "set up the chat"
    # The second person is a member, and the lobby is the lobby again.
    other = Client()
    assert other.get("/").status_code == 200
    other.post("/accounts/signup/", sign_up_form("second"))
    assert not User.objects.get(username="second").is_staff


@override_settings(SIGNUP_MODE="invitation")
def test_the_first_account_is_made_even_when_sign_up_is_by_invitation(client):
    client.post("/accounts/signup/", sign_up_form("founder"))
    assert User.objects.get().is_staff


def test_sign_up_by_invitation_is_refused_without_a_link_with_a_clear_page(
    admin_client,
):
    invitation_only()
    anonymous = Client()
    response = anonymous.get("/accounts/signup/")
    assert response.status_code == 403
    assert 'data-reason="invitation-only"' in response.content.decode()
    response = anonymous.post("/accounts/signup/", sign_up_form("mallory"))
    assert response.status_code == 403
    assert not User.objects.filter(username="mallory").exists()


@override_settings(SIGNUP_MODE="invitation")
def test_signup_mode_sets_the_default_until_an_administrator_chooses(admin_client):
    assert Client().get("/accounts/signup/").status_code == 403
    admin_client.post("/people/who-may-join/", {"mode": "open"})
    assert Client().get("/accounts/signup/").status_code == 200


def test_the_join_link_admits_until_it_is_reset(admin_client):
    policy = invitation_only()
    old_link = join_path(policy)
    page = Client().get(old_link)
    assert page.status_code == 200
    assert f'action="{old_link}"' in page.content.decode()
    response = Client().post(old_link, sign_up_form("newcomer"))
    assert response.url == "/rooms/general/"
    assert User.objects.filter(username="newcomer").exists()

    admin_client.post("/people/join-link/reset/")
    response = Client().post(old_link, sign_up_form("latecomer"))
    assert response.status_code == 404
    assert 'data-reason="not-valid"' in response.content.decode()
    assert not User.objects.filter(username="latecomer").exists()
    new_link = join_path(SignUpPolicy.current())
    assert new_link != old_link
    assert new_link in admin_client.get("/people/").content.decode()
    assert Client().post(new_link, sign_up_form("latecomer")).status_code == 302


def test_a_link_reset_while_the_form_is_filled_in_refuses_it(admin_client):
    policy = invitation_only()
    visitor = Client()
    assert visitor.get(join_path(policy)).status_code == 200
    admin_client.post("/people/join-link/reset/")
    assert visitor.post(join_path(policy), sign_up_form("slow")).status_code == 404


def test_an_invitation_admits_one_person_once(admin_client):
    invitation_only()
    response = admin_client.post("/people/invitations/", {"note": "Grace"})
    assert response.status_code == 201
    link = re.search(
        r'id="new-invitation-link"[^>]* value="http://testserver(/join/[^"]+/)"',
        response.content.decode(),
    )[1]
    assert Invitation.objects.get().note == "Grace"
    assert Client().post(link, sign_up_form("grace")).status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.used_by.username == "grace"
    assert Client().post(link, sign_up_form("again")).status_code == 404
    # Only the hash is kept.
    assert link.split("/")[2] not in str(Invitation.objects.values_list())


def test_a_revoked_invitation_no_longer_admits(admin_client):
    invitation_only()
    invitation, code = Invitation.make(admin_client.user)
    admin_client.post(f"/people/invitations/{invitation.pk}/revoke/")
    assert Client().get(f"/join/{code}/").status_code == 404


@override_settings(JOIN_ATTEMPT_LIMIT=(3, 900))
def test_guessing_join_codes_is_limited_per_address(admin_client):
    policy = invitation_only()
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for attempt in range(3):
        assert guesser.get(f"/join/guess-{attempt}/").status_code == 404
    response = guesser.get(join_path(policy))
    assert response.status_code == 429
    assert 'data-reason="too-many"' in response.content.decode()
    # Someone elsewhere with the real link is not held up by it.
    assert Client(REMOTE_ADDR="198.51.100.7").get(join_path(policy)).status_code == 200


def test_the_people_pages_tools_are_for_administrators_only(admin_client):
    client = Client()
    assert client.get("/people/").url.startswith("/accounts/login/")
    member = User.objects.create_user("member", password=PASSWORD)
    client.force_login(member)
    page = client.get("/people/").content.decode()
    assert 'id="people-directory"' in page and 'id="sign-up-mode"' not in page
    response = client.post("/people/invitations/")
    assert response.status_code == 403
    assert 'id="administrators-only"' in response.content.decode()
    assert client.post("/people/join-link/reset/").status_code == 403
    assert client.post("/people/ada/active/", {"active": "0"}).status_code == 403
    assert User.objects.get(username="ada").is_active


def test_administrators_are_made_and_unmade_but_one_always_remains(admin_client):
    User.objects.create_user("grace", password=PASSWORD)
    admin_client.post("/people/grace/administrator/", {"administrator": "1"})
    assert User.objects.get(username="grace").is_staff
    admin_client.post("/people/grace/administrator/", {"administrator": "0"})
    assert not User.objects.get(username="grace").is_staff
    response = admin_client.post(
        "/people/ada/administrator/", {"administrator": "0"}, follow=True
    )
    assert "at least one administrator" in response.content.decode()
    assert User.objects.get(username="ada").is_staff


def test_deactivating_and_reactivating_are_recorded(admin_client):
    User.objects.create_user("grace", password=PASSWORD)
    admin_client.post("/people/grace/active/", {"active": "0"})
    assert not User.objects.get(username="grace").is_active
    grace = Client()
    assert not grace.login(username="grace", password=PASSWORD)
    admin_client.post("/people/grace/active/", {"active": "1"})
    assert grace.login(username="grace", password=PASSWORD)
    admin_client.post("/people/ada/active/", {"active": "0"})
    assert User.objects.get(username="ada").is_active
    page = admin_client.get("/people/").content.decode()
    log = page[page.index('id="administration-log"') :]
    assert log.index("reactivated") < log.index("deactivated")  # newest first
    assert [
        (a.actor.username, a.action, a.subject.username)
        for a in AdminAction.objects.all()
    ] == [
        ("ada", "reactivated", "grace"),
        ("ada", "deactivated", "grace"),
    ]


def test_an_administrator_makes_a_bot_that_cannot_sign_in(admin_client, monkeypatch):
    face = SimpleUploadedFile("bot.png", picture(size=(64, 40)), "image/png")
    response = admin_client.post(
        "/people/bots/", {"username": "deploybot", "webhook_url": "", "avatar": face}
    )
    assert response.status_code == 201
    page = response.content.decode()
    key = re.search(r'id="bot-key"[^>]* value="([^"]+)"', page)[1]
    bot = User.objects.get(username="deploybot")
    assert not bot.has_usable_password() and not bot.is_staff
    assert Profile.objects.get(user=bot).avatar  # its picture, squared
    assert hash_code(key) == Bot.objects.get(user=bot).key_hash
    assert not Client().login(username="deploybot", password="")
    listed = admin_client.get("/people/").content.decode()
    assert '<span class="person-name is-bot">deploybot</span>' in listed
    assert key not in listed  # shown once

    response = admin_client.post("/people/bots/deploybot/key/")
    new_key = re.search(
        r'id="bot-key"[^>]* value="([^"]+)"', response.content.decode()
    )[1]
    assert new_key != key
    # A webhook the chat could never call is refused, saying why.
    for never in ("http://ci.example.com/hook", "https://10.0.0.5/hook"):
        page = admin_client.post(
            "/people/bots/deploybot/webhook/", {"webhook_url": never}, follow=True
        )
        assert "could never reach this one" in page.content.decode()
        assert Bot.objects.get(user=bot).webhook_url == ""
    monkeypatch.setattr(socket, "getaddrinfo", resolves_to("93.184.216.34"))
    admin_client.post(
        "/people/bots/deploybot/webhook/",
        {"webhook_url": "https://ci.example.com/hook"},
    )
    assert Bot.objects.get(user=bot).webhook_url == "https://ci.example.com/hook"
    assert [a.action for a in AdminAction.objects.all()] == [
        "set the webhook of",
        "reset the key of",
        "made the bot",
    ]
    # A bot is not made an administrator.
    admin_client.post("/people/deploybot/administrator/", {"administrator": "1"})
    assert not User.objects.get(username="deploybot").is_staff


def test_a_bot_name_is_checked_like_a_username(admin_client):
    User.objects.create_user("taken")
    for name in ["taken", "no spaces", ""]:
        response = admin_client.post("/people/bots/", {"username": name})
        assert response.status_code == 400, name
        assert 'class="field-error"' in response.content.decode()


def resolves_to(address):
    """A stand-in for DNS, offline: every name is at address."""

    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    return getaddrinfo
