"""Unread rooms, the "new since you were here" line, mentions and the title."""

import re

import pytest
from playwright.sync_api import expect

from rooms.models import Room

from ..conftest import ARTIFACTS
from .conftest import join_room, message_bodies, send_message
from .test_chat import set_hidden

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def random(general):
    return Room.objects.create(name="random", slug="random")


def lobby_entry(page, slug):
    return page.locator(f'#room-lists [data-room="{slug}"]')


def lobby_is_live(page):
    """Wait until the lobby's socket has redrawn the lists, and so follows."""
    expect(page.locator("#room-lists[data-live]")).to_be_attached()


def test_a_room_lights_up_in_the_lobby_live_and_opens_at_the_line(
    open_page, chat_server, general, random, alice, bob
):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    send_message(bob_page, "read together")
    expect(message_bodies(alice_page)).to_have_text(["read together"])

    alice_page.goto(chat_server.url + "/")
    lobby_is_live(alice_page)
    expect(lobby_entry(alice_page, "general")).not_to_have_class(
        re.compile("has-unread")
    )
    send_message(bob_page, "while alice is in the lobby")
    send_message(bob_page, "and another")
    expect(lobby_entry(alice_page, "general")).to_have_class(re.compile("has-unread"))
    expect(lobby_entry(alice_page, "general").locator(".unread-count")).to_have_text(
        "(2 unread)"
    )
    expect(lobby_entry(alice_page, "random")).not_to_have_class(
        re.compile("has-unread")
    )
    alice_page.screenshot(path=ARTIFACTS / "unread-lobby.png")

    alice_page.locator('[data-room="general"] a').click()
    join_room(alice_page)
    expect(alice_page.locator("#unread-line + article .message-body")).to_have_text(
        "while alice is in the lobby"
    )
    expect(alice_page.locator("#unread-line")).to_be_visible()
    # New messages go under the line, not above it.
    send_message(bob_page, "live after the line")
    expect(message_bodies(alice_page).last).to_have_text("live after the line")
    after_the_line = alice_page.locator("#unread-line ~ article .message-body")
    expect(after_the_line).to_have_text(
        ["while alice is in the lobby", "and another", "live after the line"]
    )
    alice_page.screenshot(path=ARTIFACTS / "unread-line.png")

    alice_page.goto(chat_server.url + "/")
    lobby_is_live(alice_page)
    expect(lobby_entry(alice_page, "general")).not_to_have_class(
        re.compile("has-unread")
    )
    assert not alice_page.errors and not bob_page.errors


def test_a_person_who_closed_the_tab_comes_back_to_what_is_new(
    open_page, browser, chat_server, general, alice, bob
):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    send_message(bob_page, "before alice left")
    expect(message_bodies(alice_page)).to_have_text(["before alice left"])
    alice_context = alice_page.context
    alice_page.close()

    send_message(bob_page, "first while away")
    send_message(bob_page, "second while away")
    expect(message_bodies(bob_page)).to_have_count(3)

    back = alice_context.new_page()
    back.goto(chat_server.url + "/")
    expect(lobby_entry(back, "general")).to_have_class(re.compile("has-unread"))
    back.locator('[data-room="general"] a').click()
    join_room(back)
    expect(back.locator("#unread-line + article .message-body")).to_have_text(
        "first while away"
    )
    expect(back.locator("article:has(+ #unread-line) .message-body")).to_have_text(
        "before alice left"
    )


def test_a_hidden_tab_counts_new_messages_in_its_title(open_page, general, alice, bob):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    expect(alice_page).to_have_title("general · Chat")
    set_hidden(alice_page, True)
    send_message(bob_page, "one")
    send_message(bob_page, "two")
    send_message(alice_page, "my own, from elsewhere")  # not counted
    expect(alice_page).to_have_title("(2) general · Chat")
    set_hidden(alice_page, False)
    expect(alice_page).to_have_title("general · Chat")
    join_room(alice_page)
    expect(message_bodies(alice_page)).to_have_count(3)
    # What came while she was away, under the line.
    line = alice_page.locator("#unread-line")
    expect(line).to_have_text("New since you were here")
    below = "e => e.nextElementSibling.querySelector('.message-body').textContent"
    assert line.evaluate(below).strip() == "one"


def test_a_mention_is_highlighted_for_its_person_and_beats_muting(
    open_page, chat_server, general, random, alice, bob
):
    alice_page, bob_page = (
        open_page("/rooms/random/", alice),
        open_page("/rooms/random/", bob),
    )
    join_room(alice_page)
    alice_page.get_by_role("button", name="Mute").click()
    expect(alice_page.get_by_role("button", name="Unmute")).to_be_visible()
    alice_page.goto(chat_server.url + "/")
    lobby_is_live(alice_page)

    join_room(bob_page)
    send_message(bob_page, "chatter nobody needs")
    send_message(bob_page, "general interest")
    expect(message_bodies(bob_page)).to_have_count(2)
    bob_page.goto(chat_server.url + "/rooms/general/")
    join_room(bob_page)
    send_message(bob_page, "elsewhere")
    expect(lobby_entry(alice_page, "general")).to_have_class(re.compile("has-unread"))
    expect(lobby_entry(alice_page, "random")).not_to_have_class(
        re.compile("has-unread")
    )

    bob_page.goto(chat_server.url + "/rooms/random/")
    join_room(bob_page)
    send_message(bob_page, "@alice this one is for you")
    expect(lobby_entry(alice_page, "random")).to_have_class(re.compile("has-unread"))

    alice_page.locator('[data-room="random"] a').click()
    join_room(alice_page)
    mention = f'a.mention[data-user="{alice.pk}"]'
    expect(alice_page.locator(mention)).to_have_text("@alice")
    expect(bob_page.locator(mention)).to_have_text("@alice")
    background = "e => getComputedStyle(e).backgroundColor"
    transparent = "rgba(0, 0, 0, 0)"
    assert alice_page.locator(mention).evaluate(background) != transparent
    assert bob_page.locator(mention).evaluate(background) == transparent
    alice_page.screenshot(path=ARTIFACTS / "mention-alice.png")

    bob_page.locator(mention).click()
    expect(bob_page.locator("#room-name")).to_have_text("alice, bob")
    assert not alice_page.errors and not bob_page.errors
