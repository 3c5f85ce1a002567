"""Unread rooms, the "new since you were here" line and mentions, over HTTP."""

import re

import pytest
from django.contrib.auth import get_user_model

from rooms.models import ReadMark, Room

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


def unread_rooms(client):
    page = client.get("/").content.decode()
    return re.findall(r'data-room="([^"]+)" class="[^"]*has-unread', page)


def test_a_room_is_unread_after_someone_else_posts_until_it_is_read(
    alice_client, bob_client, general
):
    alice_client.get("/rooms/general/")
    assert unread_rooms(alice_client) == []
    general.post(alice_client.user, "my own words")
    assert unread_rooms(alice_client) == []
    general.post(bob_client.user, "news")
    assert unread_rooms(alice_client) == ["general"]
    alice_client.get("/rooms/general/")
    assert unread_rooms(alice_client) == []


def test_a_room_never_opened_is_unread_once_it_has_messages(alice_client, bob_client):
    Room.objects.create(name="Random", slug="random")
    assert unread_rooms(alice_client) == []
    Room.objects.get(slug="random").post(bob_client.user, "hello")
    assert unread_rooms(alice_client) == ["random"]


def test_the_line_sits_above_the_first_message_by_others_since_the_last_visit(
    alice_client, bob_client, general
):
    general.post(bob_client.user, "read before")
    page = alice_client.get("/rooms/general/").content.decode()
    assert 'id="unread-line"' not in page  # the first visit: nothing is "new"
    general.post(alice_client.user, "from another tab")
    first_new = general.post(bob_client.user, "new one")
    general.post(bob_client.user, "newer one")
    page = alice_client.get("/rooms/general/").content.decode()
    line = page.index('id="unread-line"')
    assert line < page.index(f'id="message-{first_new.pk}"')
    assert page.index("from another tab") < line
    assert (
        'id="unread-line"' not in alice_client.get("/rooms/general/").content.decode()
    )


def test_an_older_page_leaves_the_read_mark_alone(alice_client, bob_client, general):
    alice_client.get("/rooms/general/")
    messages = [general.post(bob_client.user, f"message {n}") for n in range(60)]
    alice_client.get(f"/rooms/general/?around={messages[0].pk}")
    assert unread_rooms(alice_client) == ["general"]


def test_a_muted_room_is_unread_only_for_mentions(alice_client, bob_client, general):
    alice_client.get("/rooms/general/")
    alice_client.post("/rooms/general/mute/", {"muted": "1"})
    page = alice_client.get("/rooms/general/").content.decode()
    assert re.search(r'<button type="submit" aria-pressed="true">Unmute', page)
    general.post(bob_client.user, "chatter")
    assert unread_rooms(alice_client) == []
    general.post(bob_client.user, "@alice look at this")
    assert unread_rooms(alice_client) == ["general"]
    alice_client.post("/rooms/general/mute/", {"muted": "0"})
    assert not ReadMark.objects.get(user=alice_client.user, room=general).muted


def test_private_rooms_show_as_unread_only_to_their_members(alice_client, bob_client):
    secret = Room.objects.create(name="Secret", slug="secret", kind=Room.Kind.PRIVATE)
    secret.members.add(bob_client.user)
    secret.post(bob_client.user, "@alice you cannot read this")
    assert "secret" not in alice_client.get("/").content.decode()


def test_a_mention_links_to_the_person_and_names_them_by_pk(
    alice_client, bob_client, general
):
    message = general.post(bob_client.user, "ask @alice, not @nobody or me@alice.")
    assert list(message.mentions.all()) == [alice_client.user]
    page = alice_client.get("/rooms/general/").content.decode()
    mention = f'<a class="mention" data-user="{alice_client.user.pk}" href="/dm/alice/">@alice</a>'
    assert f"<p>ask {mention}, not @nobody or me@alice.</p>" in page
    rules = alice_client.get("/viewer.css").content.decode()  # alice's own rules
    assert f'.mention[data-user="{alice_client.user.pk}"]' in rules


def test_a_name_that_looks_like_markup_stays_text_in_a_mention(alice_client, general):
    odd = get_user_model().objects.create_user("x.y@z+w-1", password=PASSWORD)
    message = general.post(alice_client.user, '@x.y@z+w-1 "><b>')
    assert list(message.mentions.all()) == [odd]
    page = alice_client.get("/rooms/general/").content.decode()
    assert (
        f'<a class="mention" data-user="{odd.pk}" href="/dm/x.y@z+w-1/">@x.y@z+w-1</a>'
        " &quot;&gt;&lt;b&gt;</p>" in page
    )


def test_the_unread_count_counts_others_after_the_page(
    alice_client, bob_client, general
):
    seen = general.post(bob_client.user, "seen")
    general.post(alice_client.user, "mine")
    general.post(bob_client.user, "new")
    response = alice_client.get(f"/rooms/general/unread/?after={seen.pk}")
    assert response.json() == {"count": 1}
    assert alice_client.get("/rooms/general/unread/?after=x").json() == {"count": 0}


def unread_counts(client):
    page = client.get("/").content.decode()
    counts = re.findall(
        r'data-room="([^"]+)"[^>]*>.*?(?:class="unread-count">'
        r'<span class="visually-hidden">\(</span>([^<]+)<|</li>)',
        page,
    )
    return {slug: count for slug, count in counts if count}


def test_the_lobby_counts_each_room_unread_to_99_plus(
    alice_client, bob_client, general
):
    alice_client.get("/rooms/general/")
    for n in range(3):
        general.post(bob_client.user, f"news {n}")
    assert unread_counts(alice_client) == {"general": "3"}
    for n in range(100):
        general.post(bob_client.user, f"more {n}")
    assert unread_counts(alice_client) == {"general": "99+"}


def test_a_deleted_message_is_not_counted(alice_client, bob_client, general):
    alice_client.get("/rooms/general/")
    general.post(bob_client.user, "kept")
    general.post(bob_client.user, "taken back").remove(by=bob_client.user)
    assert unread_counts(alice_client) == {"general": "1"}


def test_mark_all_read_reads_every_room_and_comes_back(
    alice_client, bob_client, general
):
    Room.objects.create(name="random", slug="random").post(bob_client.user, "hi")
    general.post(bob_client.user, "news")
    assert sorted(unread_rooms(alice_client)) == ["general", "random"]
    response = alice_client.post("/read/", {"next": "/rooms/random/"})
    assert response.status_code == 302
    assert response["Location"] == "/rooms/random/"
    assert unread_rooms(alice_client) == []
    general.post(bob_client.user, "later")
    assert unread_rooms(alice_client) == ["general"]


def test_mark_all_read_goes_nowhere_else(alice_client):
    response = alice_client.post("/read/", {"next": "https://elsewhere.example/"})
    assert response["Location"] == "/"


def test_a_muted_room_is_marked_muted_in_the_sidebar(alice_client, general):
    alice_client.post("/rooms/general/mute/", {"muted": "1"})
    page = alice_client.get("/").content.decode()
    assert re.search(r'data-room="general" class=" is-muted"', page)
    assert "(muted)" in page
