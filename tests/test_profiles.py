"""Profiles: display names, avatars and bios, over HTTP and a real socket."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from PIL import Image

from accounts import profiles
from accounts.models import Profile

from .conftest import PASSWORD
from .files import camera_photo, picture
from .hostile_payloads import IMPERSONATIONS
from .sockets import Tab, http_get, http_post, open_tab

pytestmark = pytest.mark.django_db(transaction=True)

User = get_user_model()


def signed_in(username):
    user = User.objects.create_user(username, password=PASSWORD)
    client = Client()
    client.force_login(user)
    return user, client


def test_a_name_a_picture_and_a_bio_show_on_the_profile_and_messages(general):
    bob, client = signed_in("bob")
    photo = SimpleUploadedFile("me.jpg", camera_photo(size=(300, 200)), "image/jpeg")
    response = client.post(
        "/accounts/profile/",
        {"display_name": "Bobby Tables", "bio": "Drops tables.", "avatar": photo},
    )
    assert response.url == "/people/bob/"
    profile = Profile.objects.get(user=bob)
    assert (profile.display_name, profile.bio, profile.version) == (
        "Bobby Tables",
        "Drops tables.",
        1,
    )
    with default_storage.open(profile.avatar) as stored, Image.open(stored) as image:
        assert (image.format, image.size) == ("PNG", (256, 256))
        assert not image.getexif() and "exif" not in image.info

    page = client.get("/people/bob/").content.decode()
    assert "Bobby Tables" in page and "@bob" in page and "Drops tables." in page
    assert 'id="edit-profile"' in page
    _, alice_client = signed_in("alice")
    page = alice_client.get("/people/bob/").content.decode()
    assert 'id="message-person" href="/dm/bob/"' in page

    avatar = Client().get("/people/bob/avatar/?v=1")
    assert avatar["Content-Type"] == "image/png"
    assert avatar["Cache-Control"] == "private, max-age=31536000, immutable"
    assert Client().get("/people/bob/avatar/")["Cache-Control"] == "no-cache"

    general.post(bob, "hello")
    room = alice_client.get("/rooms/general/").content.decode()
    assert '<img class="avatar" src="/people/bob/avatar/?v=1"' in room
    assert re.search(r'class="message-author"[^>]*>Bobby Tables</a>', room)


def test_without_a_picture_the_avatar_is_initials_in_a_colour_of_their_own(general):
    ada, client = signed_in("ada")
    svg = Client().get("/people/ada/avatar/?v=0")
    assert svg["Content-Type"] == "image/svg+xml"
    assert ">A</text>" in svg.content.decode()
    client.post("/accounts/profile/", {"display_name": "Ada Lovelace"})
    svg = Client().get("/people/ada/avatar/?v=1").content.decode()
    assert ">AL</text>" in svg
    User.objects.create_user("grace")
    other = Client().get("/people/grace/avatar/?v=0").content.decode()
    colour = re.compile(r'fill="(hsl\([^"]+\))"')
    assert colour.search(svg)[1] != colour.search(other)[1]


def test_a_picture_can_be_removed_and_bad_files_are_refused(general):
    carol, client = signed_in("carol")
    upload = SimpleUploadedFile("a.png", picture(size=(80, 80)), "image/png")
    client.post("/accounts/profile/", {"avatar": upload})
    stored = Profile.objects.get(user=carol).avatar
    assert default_storage.exists(stored)
    client.post("/accounts/profile/", {"remove_avatar": "on"})
    assert Profile.objects.get(user=carol).avatar == ""
    assert not default_storage.exists(stored)
    assert Client().get("/people/carol/avatar/?v=2")["Content-Type"] == "image/svg+xml"

    not_a_picture = SimpleUploadedFile("a.png", b"<svg onload=alert(1)>", "image/png")
    response = client.post("/accounts/profile/", {"avatar": not_a_picture})
    assert response.status_code == 400
    assert "not a picture" in response.content.decode()
    too_long = client.post("/accounts/profile/", {"display_name": "x" * 51})
    assert too_long.status_code == 400


def test_the_people_page_paths_cannot_be_usernames(client):
    User.objects.create_user("someone")  # past the first run
    response = client.post(
        "/accounts/signup/",
        {"username": "bots", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="bots").exists()


async def test_a_new_name_shows_in_open_rooms_at_once(chat_server, general, alice, bob):
    async with open_tab(chat_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.expect("alice joined")
        csrf = "k" * 32
        await sync_to_async(http_get)(chat_server, "/accounts/profile/", bob.session_id)
        response = await sync_to_async(http_post)(
            chat_server,
            "/accounts/profile/",
            {"display_name": "Bobby <b>Tables</b>", "bio": ""},
            csrf,
            bob.session_id,
        )
        assert response.status == 200  # followed to the profile page
        seen = await tab.expect(r'data-name="[^"]*"')
    update = re.search(r'<span data-person="(\d+)" data-name="([^"]*)"', seen)
    assert update[1] == str(bob.pk)
    assert update[2] == "Bobby &lt;b&gt;Tables&lt;/b&gt;"
    assert 'hx-target="#person-updates"' in seen
    assert "/people/bob/avatar/?v=1" in seen
    assert (await Profile.objects.aget(user=bob.user)).version == 1


async def test_a_mention_shows_the_display_name_live_and_on_the_page(
    chat_server, general, alice, bob
):
    await Profile.objects.acreate(user=bob.user, display_name="Bobby Tables")
    async with open_tab(chat_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.expect("alice joined")
        await tab.send(action="send", message="thanks @bob!")
        seen = await tab.expect(r"thanks <a[^>]*>[^<]*</a>!")
    mention = (
        f'<a class="mention" data-user="{bob.pk}" href="/dm/bob/">@Bobby Tables</a>'
    )
    assert mention in seen
    page = await sync_to_async(http_get)(
        chat_server, "/rooms/general/", alice.session_id
    )
    assert mention in page


@pytest.mark.parametrize("wanted", IMPERSONATIONS)
def test_a_display_name_cannot_pass_for_someone_else(general, wanted):
    User.objects.create_user("alice")
    grace = User.objects.create_user("grace")
    Profile.objects.create(user=grace, display_name="Grace Hopper")
    User.objects.create_user("deploybot")
    carol, client = signed_in("carol")
    response = client.post("/accounts/profile/", {"display_name": wanted})
    assert response.status_code == 400
    page = response.content.decode()
    assert "That name is too like" in page or "invisible or direction" in page
    assert not Profile.objects.filter(user=carol).exists()


def test_a_display_name_may_be_ones_own_username_or_anything_else(general):
    User.objects.create_user("alice")
    carol, client = signed_in("carol")
    for name in ["Carol", "Carol Shaw", "Алиса", "李雷"]:
        assert (
            client.post("/accounts/profile/", {"display_name": name}).status_code == 302
        )
        assert Profile.objects.get(user=carol).display_name == name


@pytest.mark.parametrize(
    ("wanted", "why"),
    [
        ("\u0430lice", "one alphabet"),  # Cyrillic and Latin
        ("Alice", "already exists"),  # Django's own check
        ("AIice", "too like alice’s"),
        ("\u0441\u043e\u0441\u043e\u0430", "too like cocoa’s"),  # all Cyrillic
    ],
)
def test_a_username_is_in_one_script_and_like_nobody_elses(client, wanted, why):
    User.objects.create_user("alice")
    User.objects.create_user("cocoa")
    response = client.post(
        "/accounts/signup/",
        {"username": wanted, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 400
    assert why in response.content.decode()
    assert User.objects.count() == 2


@pytest.mark.parametrize("version", ["", "?v=0", "?v=1", "?v=7"])
def test_an_avatar_answers_alike_for_names_that_do_and_do_not_exist(general, version):
    bob, client = signed_in("bob")
    photo = SimpleUploadedFile("me.png", picture(size=(80, 80)), "image/png")
    client.post("/accounts/profile/", {"avatar": photo})
    headers = [
        {
            key: Client().get(f"/people/{name}/avatar/{version}").headers[key]
            for key in ("Cache-Control", "X-Content-Type-Options")
        }
        for name in ("bob", "nobody")
    ]
    assert headers[0] == headers[1]


def test_an_invitation_only_chat_shows_visitors_no_one(general, settings):
    settings.SIGNUP_MODE = "invitation"
    bob, client = signed_in("bob")
    photo = SimpleUploadedFile("me.png", picture(size=(80, 80)), "image/png")
    client.post("/accounts/profile/", {"avatar": photo})
    for name in ("bob", "nobody"):
        assert Client().get(f"/people/{name}/avatar/?v=1").status_code == 404
    assert client.get("/people/bob/avatar/?v=1")["Content-Type"] == "image/png"


def test_a_picture_is_stored_before_the_profile_is_locked(general, monkeypatch):
    """Storage may be a network away: nothing waits on it under a lock."""
    dana, _ = signed_in("dana")
    in_a_transaction = []
    save = default_storage.save

    def noting_save(name, content):
        in_a_transaction.append(transaction.get_connection().in_atomic_block)
        return save(name, content)

    monkeypatch.setattr(default_storage, "save", noting_save)
    profiles.save(dana, display_name="Dana", bio="", avatar_png=picture())
    assert in_a_transaction == [False]
    assert default_storage.exists(Profile.objects.get(user=dana).avatar)


def test_the_chosen_colours_paint_every_page_from_the_first(general):
    bob, client = signed_in("bob")
    assert b'<html lang="en" data-theme="system">' in client.get("/").content
    client.post("/accounts/profile/", {"theme": "dark"})
    for path in ("/", "/rooms/general/", "/accounts/profile/"):
        assert b'data-theme="dark"' in client.get(path).content
    page = client.get("/accounts/profile/").content.decode()
    assert '<option value="dark" selected>' in page
    # A visitor's page follows the system.
    assert b'data-theme="system"' in Client().get("/accounts/login/").content
