"""Search over plain HTTP: only what the person may read, linked in context."""

import re

import pytest
from django.db import connection
from django.utils import timezone

from rooms.models import Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def said(alice_client, bob_client):
    """Return what alice said: in general, in a private room, and to bob."""
    general, _ = Room.objects.get_or_create(
        slug="general", defaults={"name": "general"}
    )
    secret = Room.objects.create(name="secret", slug="secret", kind="private")
    secret.members.add(alice_client.user)
    direct = Room.objects.direct_for([alice_client.user, bob_client.user])
    return {
        room.slug: room.messages.create(author=alice_client.user, body=body)
        for room, body in [
            (general, "The Launch is on Friday"),
            (secret, "launch budget is secret"),
            (direct, "bob, launch party at mine"),
        ]
    }


def hits(client, terms):
    page = client.get("/search/", {"q": terms}).content.decode()
    return re.findall(r'<li class="search-result">\s*<a href="([^"]+)"', page)


def test_search_finds_what_you_may_read_newest_first(said, alice_client):
    newest_first = reversed(list(said.values()))
    assert hits(alice_client, "launch") == [m.get_absolute_url() for m in newest_first]


def test_search_leaves_out_rooms_you_may_not_read(said, bob_client, client):
    direct = next(m for m in said.values() if m.room.is_direct)
    assert hits(bob_client, "LAUNCH") == [
        direct.get_absolute_url(),
        said["general"].get_absolute_url(),
    ]
    assert hits(client, "launch") == [said["general"].get_absolute_url()]


def test_every_word_must_match(said, alice_client):
    assert hits(alice_client, "launch friday") == [said["general"].get_absolute_url()]


def test_no_match_and_no_terms(said, alice_client):
    assert "No messages match" in alice_client.get("/search/?q=zebra").content.decode()
    page = alice_client.get("/search/").content.decode()
    assert 'id="search-q"' in page and "search-result" not in page


def test_a_result_opens_the_message_in_context(said, alice_client):
    url = hits(alice_client, "budget")[0]
    page = alice_client.get(url).content.decode()
    assert f'id="message-{said["secret"].pk}" class="message is-highlighted"' in page


def test_search_reads_the_words_not_the_markup(alice_client):
    general, _ = Room.objects.get_or_create(
        slug="general", defaults={"name": "general"}
    )
    message = general.post(
        alice_client.user, "the **deploy** went out, `make test` passed"
    )
    assert hits(alice_client, "deploy") == [message.get_absolute_url()]
    assert hits(alice_client, "make test") == [message.get_absolute_url()]
    page = alice_client.get("/search/", {"q": "deploy"}).content.decode()
    assert "<strong><mark>deploy</mark></strong>" in page


def test_best_match_first_then_newest(general, alice_client):
    """Postgres ranks by relevance, then recency; SQLite by recency alone."""
    often = general.post(alice_client.user, "deploy deploy deploy: the deploy log")
    once = general.post(alice_client.user, "the deploy is done")
    also_once = general.post(alice_client.user, "deploy again tomorrow")
    by_recency = [also_once, once, often]
    if connection.vendor == "postgresql":
        expected = [often, also_once, once]
    else:
        expected = by_recency
    assert hits(alice_client, "deploy") == [m.get_absolute_url() for m in expected]


def test_messages_stored_outside_django_are_found(general, alice_client):
    """A bulk load or a restore writes rows directly: search finds them too."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rooms_message (room_id, author_id, body, created, reactors,"
            " revision) VALUES (%s, %s, %s, %s, '{}', 0)",
            [
                general.pk,
                alice_client.user.pk,
                "restored from the backup",
                timezone.now(),
            ],
        )
    (restored,) = general.messages.all()
    assert hits(alice_client, "backup") == [restored.get_absolute_url()]


def test_an_edit_is_found_by_its_new_words_only(general, alice_client):
    message = general.post(alice_client.user, "lunch at noon")
    message.edit("dinner at eight", by=alice_client.user)
    assert hits(alice_client, "lunch") == []
    assert hits(alice_client, "dinner") == [message.get_absolute_url()]


def page(client, terms):
    return client.get("/search/", {"q": terms}).content.decode()


def errors(client, terms):
    found = re.search(
        r'<ul class="search-errors[^"]*" role="alert">(.*?)</ul>',
        page(client, terms),
        re.S,
    )
    return re.findall(r"<li>(.*?)</li>", found[1]) if found else []


def test_the_words_found_are_marked(said, alice_client):
    shown = page(alice_client, "launch friday")
    assert "The <mark>Launch</mark> is on <mark>Friday</mark>" in shown


def test_a_filter_names_a_room_you_may_read(said, alice_client, bob_client):
    assert hits(alice_client, "launch in:#secret") == [
        said["secret"].get_absolute_url()
    ]
    assert hits(alice_client, "in:secret") == [said["secret"].get_absolute_url()]
    # To bob the private room is no room at all, as one that does not exist.
    assert errors(bob_client, "launch in:#secret") == [
        "No room called #secret you can read."
    ]
    assert errors(bob_client, "launch in:#nope") == [
        "No room called #nope you can read."
    ]
    assert "search-result" not in page(bob_client, "launch in:#secret")


def test_unknown_people_and_bad_dates_are_refused_each_with_why(said, alice_client):
    assert errors(
        alice_client, "launch from:@nobody before:2026-13-01 after:yesterday"
    ) == [
        "No one called @nobody here.",
        "“after:yesterday” is not a date: write it as YYYY-MM-DD, as in"
        " after:2026-12-07.",
        "“before:2026-13-01” is not a date: write it as YYYY-MM-DD, as in"
        " before:2026-12-07.",
    ]
    assert errors(alice_client, "in:# from:@") == [
        "Name a room after in:, as in in:#general.",
        "Name someone after from:, as in from:@ada.",
    ]
    assert errors(alice_client, "after:2026-12-01 after:2026-12-02") == [
        "Give after: once."
    ]
    for day in ["20261207", "2026-W49-1", "2026-02-30"]:
        assert len(errors(alice_client, f"before:{day}")) == 1, day


def test_the_page_keeps_the_query_and_says_what_it_narrows_to(
    said, alice_client, bob_client
):
    shown = page(alice_client, "launch in:#general from:@alice after:2026-12-01")
    assert 'value="launch in:#general from:@alice after:2026-12-01"' in shown
    filters = re.search(r'<p class="search-filters">(.*?)</p>', shown, re.S)[1]
    assert " ".join(re.sub("<[^>]+>", "", filters).split()) == (
        "Only messages in #general from alice after 1 Dec 2026"
    )
    # Refused, the query stays in the box to be put right.
    shown = page(alice_client, "launch in:#nope")
    assert 'value="launch in:#nope"' in shown and "search-filters" not in shown


def test_a_person_alone_lists_their_newest_messages(said, alice_client, bob_client):
    general = said["general"].room
    reply = general.messages.create(author=bob_client.user, body="see you there")
    assert hits(alice_client, "from:@BOB") == [reply.get_absolute_url()]
    newest_first = reversed(list(said.values()))
    assert hits(bob_client, "from:alice") == [
        m.get_absolute_url() for m in newest_first if m.room.slug != "secret"
    ]
