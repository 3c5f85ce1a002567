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
    alice, bob, general
):
    alice.get("/rooms/general/")
    assert unread_rooms(alice) == []
    general.post(alice.user, "my own words")
    assert unread_rooms(alice) == []
    general.post(bob.user, "news")
    assert unread_rooms(alice) == ["general"]
    alice.get("/rooms/general/")
    assert unread_rooms(alice) == []


def test_a_room_never_opened_is_unread_once_it_has_messages(alice, bob):
    Room.objects.create(name="Random", slug="random")
    assert unread_rooms(alice) == []
    Room.objects.get(slug="random").post(bob.user, "hello")
    assert unread_rooms(alice) == ["random"]


def test_the_line_sits_above_the_first_message_by_others_since_the_last_visit(
    alice, bob, general
):
    general.post(bob.user, "read before")
    page = alice.get("/rooms/general/").content.decode()
    assert 'id="unread-line"' not in page  # the first visit: nothing is "new"
    general.post(alice.user, "from another tab")
    first_new = general.post(bob.user, "new one")
    general.post(bob.user, "newer one")
    page = alice.get("/rooms/general/").content.decode()
    line = page.index('id="unread-line"')
    assert line < page.index(f'id="message-{first_new.pk}"')
    assert page.index("from another tab") < line
    assert 'id="unread-line"' not in alice.get("/rooms/general/").content.decode()


def test_an_older_page_leaves_the_read_mark_alone(alice, bob, general):
    alice.get("/rooms/general/")
    messages = [general.post(bob.user, f"message {n}") for n in range(60)]
    alice.get(f"/rooms/general/?around={messages[0].pk}")
    assert unread_rooms(alice) == ["general"]


def test_a_muted_room_is_unread_only_for_mentions(alice, bob, general):
    alice.get("/rooms/general/")
    alice.post("/rooms/general/mute/", {"muted": "1"})
    page = alice.get("/rooms/general/").content.decode()
    assert re.search(r'<button type="submit" aria-pressed="true">Unmute', page)
    general.post(bob.user, "chatter")
    assert unread_rooms(alice) == []
    general.post(bob.user, "@alice look at this")
    assert unread_rooms(alice) == ["general"]
    alice.post("/rooms/general/mute/", {"muted": "0"})
    assert not ReadMark.objects.get(user=alice.user, room=general).muted


def test_private_rooms_show_as_unread_only_to_their_members(alice, bob):
    secret = Room.objects.create(name="Secret", slug="secret", kind=Room.Kind.PRIVATE)
    secret.members.add(bob.user)
    secret.post(bob.user, "@alice you cannot read this")
    assert "secret" not in alice.get("/").content.decode()


def test_a_mention_links_to_the_person_and_names_them_by_pk(alice, bob, general):
    message = general.post(bob.user, "ask @alice, not @nobody or me@alice.")
    assert list(message.mentions.all()) == [alice.user]
    page = alice.get("/rooms/general/").content.decode()
    mention = (
        f'<a class="mention" data-user="{alice.user.pk}" href="/dm/alice/">@alice</a>'
    )
    assert f"<p>ask {mention}, not @nobody or me@alice.</p>" in page
    rules = alice.get("/viewer.css").content.decode()  # alice's own rules
    assert f'.mention[data-user="{alice.user.pk}"]' in rules


def test_a_name_that_looks_like_markup_stays_text_in_a_mention(alice, general):
    odd = get_user_model().objects.create_user("x.y@z+w-1", password=PASSWORD)
    message = general.post(alice.user, '@x.y@z+w-1 "><b>')
    assert list(message.mentions.all()) == [odd]
    page = alice.get("/rooms/general/").content.decode()
    assert (
        f'<a class="mention" data-user="{odd.pk}" href="/dm/x.y@z+w-1/">@x.y@z+w-1</a>'
        " &quot;&gt;&lt;b&gt;</p>" in page
    )


def test_the_unread_count_counts_others_after_the_page(alice, bob, general):
    seen = general.post(bob.user, "seen")
    general.post(alice.user, "mine")
    general.post(bob.user, "new")
    response = alice.get(f"/rooms/general/unread/?after={seen.pk}")
    assert response.json() == {"count": 1}
    assert alice.get("/rooms/general/unread/?after=x").json() == {"count": 0}


def unread_counts(client):
    page = client.get("/").content.decode()
    counts = re.findall(
        r'data-room="([^"]+)"[^>]*>.*?(?:class="unread-count">'
        r'<span class="visually-hidden">\(</span>([^<]+)<|</li>)',
        page,
    )
    return {slug: count for slug, count in counts if count}


def test_the_lobby_counts_each_room_unread_to_99_plus(alice, bob, general):
    alice.get("/rooms/general/")
    for n in range(3):
        general.post(bob.user, f"news {n}")
    assert unread_counts(alice) == {"general": "3"}
    for n in range(100):
        general.post(bob.user, f"more {n}")
    assert unread_counts(alice) == {"general": "99+"}


def test_a_deleted_message_is_not_counted(alice, bob, general):
    alice.get("/rooms/general/")
    general.post(bob.user, "kept")
    general.post(bob.user, "taken back").remove(by=bob.user)
    assert unread_counts(alice) == {"general": "1"}


def test_mark_all_read_reads_every_room_and_comes_back(alice, bob, general):
    Room.objects.create(name="random", slug="random").post(bob.user, "hi")
    general.post(bob.user, "news")
    assert sorted(unread_rooms(alice)) == ["general", "random"]
    response = alice.post("/read/", {"next": "/rooms/random/"})
    assert response.status_code == 302
    assert response["Location"] == "/rooms/random/"
    assert unread_rooms(alice) == []
    general.post(bob.user, "later")
    assert unread_rooms(alice) == ["general"]


def test_mark_all_read_goes_nowhere_else(alice):
    response = alice.post("/read/", {"next": "https://elsewhere.example/"})
    assert response["Location"] == "/"


def test_a_muted_room_is_marked_muted_in_the_sidebar(alice, general):
    alice.post("/rooms/general/mute/", {"muted": "1"})
    page = alice.get("/").content.decode()
    assert re.search(r'data-room="general" class=" is-muted"', page)
    assert "(muted)" in page
