"""Reactions with any emoji: the socket, the chooser's search, the page
without JavaScript, and who reacted, drawn once for every reader."""

import html
import re

import pytest
from django.template.loader import render_to_string

from rooms.messages import changes
from rooms.messages.emoji_names import find
from rooms.models import REACTIONS, Message

from .conftest import sign_up
from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


def label(text):
    """An attribute's value as drawn."""
    return html.escape(text, quote=True)


async def test_any_emoji_is_counted_named_live_and_caught_up(
    chat_server, general, alice, bob
):
    message = await general.messages.acreate(author=alice.user, body="launch day")
    async with (
        open_tab(chat_server, person=alice, after=message.pk) as a,
        open_tab(chat_server, person=bob, after=message.pk) as b,
    ):
        author, reader = Tab(a), Tab(b)
        await author.expect("bob joined")
        await reader.send(action="react", message_id=message.pk, emoji="🚀")
        frames = await author.expect(r'data-emoji="🚀" data-count="1"')
    assert f'title="{label("bob reacted with 🚀")}"' in frames
    assert f'aria-label="{label("bob reacted with 🚀")}"' in frames
    assert 'data-reactors=" ' + str(bob.pk) + ' "' in frames
    # The quick five stay, before it; unchosen, they offer themselves.
    assert frames.index('data-emoji="😮"') < frames.index('data-emoji="🚀"')
    assert 'aria-label="React with 👍"' in frames

    # Away since before: a new tab with the old cursor gets it by catch-up,
    # drawn where the event loop may not read the reactors' names.
    async with open_tab(chat_server, after=f"{message.pk}&revision=0") as ws:
        frames = await Tab(ws).expect(r"🚀 <span class=\"reaction-count\">1<")
    assert f'aria-label="{label("bob reacted with 🚀")}"' in frames


def test_a_reaction_names_who_chose_it_and_counts_the_rest(general, alice):
    message = general.messages.create(author=alice.user, body="cake")
    people = [sign_up(f"person{n:02}").user for n in range(12)]
    for person in people:
        message.toggle_reaction("🍰", by=person)
    message.toggle_reaction("🎉", by=alice.user)
    drawn = render_to_string(
        "rooms/room.html#message",
        {"message": Message.objects.with_author().get(pk=message.pk)},
    )
    named = ", ".join(f"person{n:02}" for n in range(10))
    assert label(f"{named} and 2 more reacted with 🍰") in drawn
    assert label("alice reacted with 🎉") in drawn
    assert 'class="reaction-picker"' in drawn

    # Taken back by everyone, an emoji outside the quick five goes.
    for person in people:
        message.toggle_reaction("🍰", by=person)
    assert message.reactors == {"🎉": [alice.pk]}
    drawn = render_to_string("rooms/room.html#message", {"message": message})
    assert "🍰" not in drawn and 'data-emoji="🎉" data-count="1"' in drawn


def test_messages_read_to_draw_read_their_reactors_names_at_once(
    general, alice, bob, django_assert_num_queries
):
    for body in ("one", "two", "three"):
        message = general.messages.create(author=alice.user, body=body)
        message.toggle_reaction("🦄", by=bob.user)
    # Messages (with their room and author), mentions, files, link
    # previews, then the reactors' names: one query each.
    with django_assert_num_queries(5):
        messages = list(Message.objects.with_author())
        for message in messages:
            render_to_string("rooms/room.html#message", {"message": message})
    assert all(m.reactions()[-1]["names"] == ["bob"] for m in messages)


def test_only_an_emoji_of_unicodes_table_is_a_reaction(general, alice):
    message = general.messages.create(author=alice.user, body="hi")
    for text in ("lol", "❤", "👍👍", "<b>", ""):
        with pytest.raises(ValueError):
            changes.react(message, alice.user, text)
    message.refresh_from_db()
    assert (message.reactors, message.revision) == ({}, 0)


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("rocket", "🚀"),
        ("tada", "🎉"),  # an alias
        (":thumbsup:", "👍"),
        ("Party", "🎉"),
        ("pinata", "🪅"),  # piñata
        ("thumbs", "👍"),  # before its skin tones
    ],
)
def test_the_chooser_finds_emoji_by_name(client, typed, first):
    page = client.get("/emoji/", {"emoji-search": typed}).content.decode()
    assert re.search(r'data-emoji="([^"]+)"', page)[1] == first


def test_the_chooser_says_what_it_shows(client):
    common = client.get("/emoji/").content.decode()
    assert common.count('class="emoji-option"') == len(find("")[0])
    assert "Type a name to find any emoji." in common
    assert 'aria-label="party popper"' in common
    none = client.get("/emoji/", {"emoji-search": "zzzz"}).content.decode()
    assert 'class="emoji-option"' not in none
    assert label("No emoji matches “zzzz”.") in none
    many = client.get("/emoji/", {"emoji-search": "face"}).content.decode()
    assert many.count('class="emoji-option"') == 60
    assert "type more of the name to narrow" in many


def test_without_javascript_the_chooser_searches_by_get_and_picks_by_post(
    client, general, alice, bob
):
    message = general.messages.create(author=bob.user, body="we shipped")
    client.force_login(alice.user)
    url = f"/messages/{message.pk}/react/"
    room = client.get("/rooms/general/").content.decode()
    assert f'action="{url}"' in room and 'class="reaction-picker"' in room

    chooser = client.get(url).content.decode()  # the picker, submitted
    assert 'name="emoji-search"' in chooser and "we shipped" in chooser
    found = client.get(url, {"emoji-search": "rocket"}).content.decode()
    assert 'method="post"' in found and 'value="🚀"' in found
    assert label("1 emoji matches “rocket”.") in found

    picked = client.post(url, {"emoji": "🚀"})
    assert picked.url == message.get_absolute_url()
    message.refresh_from_db()
    assert message.reactors == {"🚀": [alice.pk]}
    room = client.get("/rooms/general/").content.decode()
    assert label("alice reacted with 🚀") in room

    # A reaction outside the five is taken back as the five are.
    assert "Take back your 🚀?" in client.get(url, {"emoji": "🚀"}).content.decode()
    client.post(url, {"emoji": "🚀"})
    message.refresh_from_db()
    assert message.reactors == {}
    for text in ("lol", "❤", ""):
        assert client.post(url, {"emoji": text}).status_code == 404
        assert client.get(url, {"emoji": text}).status_code == 404


def test_a_message_takes_twenty_other_kinds_of_reaction(client, general, alice, bob):
    message = general.messages.create(author=bob.user, body="so many")
    others = [emoji for emoji, _ in find("face")[0] if emoji not in REACTIONS]
    message.reactors = {emoji: [bob.pk] for emoji in others[:20]}
    message.save()
    client.force_login(alice.user)
    refused = client.post(f"/messages/{message.pk}/react/", {"emoji": "🦄"})
    assert refused.status_code == 400
    assert "as many kinds of reaction as it can show" in refused.content.decode()
    # Those it has, and the quick ones, still count.
    for emoji in (others[0], "👍"):
        client.post(f"/messages/{message.pk}/react/", {"emoji": emoji})
    message.refresh_from_db()
    assert "🦄" not in message.reactors and len(message.reactors) == 21
    assert message.reactors[others[0]] == sorted([alice.pk, bob.pk])
    assert message.revision == 2


async def test_past_twenty_other_kinds_the_socket_says_why(chat_server, general, alice):
    others = [emoji for emoji, _ in find("face")[0] if emoji not in REACTIONS]
    message = await general.messages.acreate(
        author=alice.user,
        body="so many",
        reactors={emoji: [alice.pk] for emoji in others[:20]},
    )
    async with open_tab(chat_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.send(action="react", message_id=message.pk, emoji="🦄")
        await tab.expect("as many kinds of reaction as it can show")
    await message.arefresh_from_db()
    assert "🦄" not in message.reactors and message.revision == 0
