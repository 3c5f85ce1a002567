"""The rooms sidebar beside every room: live unread, conversations, phones."""

import re

import pytest
from playwright.sync_api import expect

from rooms.models import Room

from ..conftest import ARTIFACTS
from .conftest import join_room, message_bodies, send_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNREAD = re.compile(r"\bhas-unread\b")


@pytest.fixture
def random(general):
    return Room.objects.create(name="random", slug="random")


def entry(page, slug):
    return page.locator(f'nav#sidebar [data-room="{slug}"]')


def sidebar_is_live(page):
    """Wait until the socket has redrawn the lists, and so follows them."""
    expect(page.locator("nav#sidebar #room-lists[data-live]")).to_be_attached()


def test_another_room_turns_unread_live_and_clears_on_entry(
    open_page, general, random, alice, bob
):
    alice_page = open_page(person=alice)
    bob_page = open_page("/rooms/random/", person=bob)
    join_room(alice_page)
    join_room(bob_page)
    sidebar_is_live(alice_page)
    expect(entry(alice_page, "general")).to_have_attribute("aria-current", "page")
    expect(entry(alice_page, "random")).not_to_have_class(UNREAD)

    send_message(bob_page, "over in random")
    expect(entry(alice_page, "random")).to_have_class(UNREAD)
    # Her own room takes the message itself, never the mark.
    send_message(alice_page, "here in general")
    expect(message_bodies(alice_page).last).to_have_text("here in general")
    expect(entry(alice_page, "general")).not_to_have_class(UNREAD)
    expect(entry(bob_page, "general")).to_have_class(UNREAD)
    alice_page.screenshot(path=ARTIFACTS / "sidebar-unread.png")

    entry(alice_page, "random").get_by_role("link").click()
    join_room(alice_page)
    expect(message_bodies(alice_page)).to_have_text(["over in random"])
    expect(entry(alice_page, "random")).to_have_attribute("aria-current", "page")
    expect(entry(alice_page, "random")).not_to_have_class(UNREAD)
    expect(entry(alice_page, "general")).not_to_have_attribute("aria-current", "page")
    assert not alice_page.errors and not bob_page.errors


def test_a_room_open_in_one_tab_is_not_new_in_the_others(
    open_page, general, random, alice, bob
):
    reading = open_page(person=alice)  # general, on screen
    elsewhere = open_page("/rooms/random/", person=alice)
    bob_page = open_page(person=bob)
    for page in (reading, elsewhere, bob_page):
        join_room(page)
    sidebar_is_live(elsewhere)
    send_message(bob_page, "alice reads this in her first tab")
    expect(message_bodies(reading).last).to_have_text(
        "alice reads this in her first tab"
    )
    # Her second tab has seen that message go by (it follows general) and
    # left general unmarked; bob's message in random, it marks.
    send_message(bob_page, "and this")
    expect(message_bodies(reading).last).to_have_text("and this")
    entry(bob_page, "random").get_by_role("link").click()
    join_room(bob_page)
    send_message(bob_page, "in random")
    expect(message_bodies(elsewhere).last).to_have_text("in random")
    expect(entry(elsewhere, "general")).not_to_have_class(UNREAD)

    # Unread while she was not reading it; reading it clears the mark.
    reading.close()
    bob_general = open_page(person=bob)
    join_room(bob_general)
    send_message(bob_general, "while alice looked away")
    expect(entry(elsewhere, "general")).to_have_class(UNREAD)
    reading = open_page(person=alice)
    join_room(reading)
    expect(entry(elsewhere, "general")).not_to_have_class(UNREAD)
    assert not elsewhere.errors


def test_a_conversation_someone_starts_appears_and_turns_unread(
    open_page, general, alice, bob
):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    sidebar_is_live(alice_page)
    expect(alice_page.locator("nav#sidebar #conversations li")).to_have_count(0)
    # What alice is typing survives the lists being drawn again.
    alice_page.get_by_label("Message someone").fill("half a na")

    bob_page.get_by_label("Message someone").fill("alice")
    bob_page.get_by_label("Message someone").press("Enter")
    join_room(bob_page)
    expect(bob_page.locator("#room-name")).to_have_text("alice, bob")
    conversation = alice_page.locator("nav#sidebar #conversations li")
    expect(conversation).to_have_count(1)
    expect(conversation).to_have_text("alice, bob")
    expect(conversation).not_to_have_class(UNREAD)
    expect(alice_page.get_by_label("Message someone")).to_have_value("half a na")

    send_message(bob_page, "a word in private")
    expect(conversation).to_have_class(UNREAD)
    conversation.get_by_role("link").click()
    join_room(alice_page)
    expect(message_bodies(alice_page)).to_have_text(["a word in private"])
    assert not alice_page.errors and not bob_page.errors


def test_nobody_by_that_name_gets_a_clear_answer(open_page, general, alice):
    page = open_page(person=alice)
    page.get_by_label("Message someone").fill("nobody-here")
    page.get_by_label("Message someone").press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Nobody here goes by “nobody-here”.")
    expect(page.get_by_label("Their username")).to_have_value("nobody-here")


def test_on_a_phone_the_sidebar_folds_behind_a_button(
    open_page, general, random, alice
):
    page = open_page(person=alice, viewport={"width": 390, "height": 844})
    join_room(page)
    rooms_button = page.locator("nav#sidebar summary")
    expect(rooms_button).to_be_visible()
    expect(entry(page, "random")).to_be_hidden()
    rooms_button.click()
    expect(entry(page, "random")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "sidebar-phone.png")
    entry(page, "random").get_by_role("link").click()
    join_room(page)
    expect(page.locator("#room-name")).to_have_text("random")


def test_without_javascript_the_sidebar_is_a_list_of_links(
    open_page, general, random, alice, bob
):
    page = open_page(person=alice, javascript=False)
    expect(entry(page, "general")).to_have_attribute("aria-current", "page")
    entry(page, "random").get_by_role("link").click()
    expect(page.locator("#room-name")).to_have_text("random")
    page.get_by_label("Message someone").fill("bob")
    page.get_by_label("Message someone").press("Enter")
    expect(page.locator("#room-name")).to_have_text("alice, bob")


def test_a_private_room_appears_and_goes_as_you_are_added_and_removed(
    open_page, general, alice, bob
):
    secret = Room.objects.create(
        name="secret", slug="secret", kind=Room.Kind.PRIVATE, created_by=bob.user
    )
    secret.members.add(bob.user)
    alice_page = open_page(person=alice)
    bob_page = open_page("/rooms/secret/members/", person=bob)
    join_room(alice_page)
    sidebar_is_live(alice_page)
    expect(entry(alice_page, "secret")).to_have_count(0)

    bob_page.get_by_label("Add someone by username").fill("alice")
    bob_page.get_by_role("button", name="Add").click()
    expect(entry(alice_page, "secret")).to_have_class(re.compile(r"\bis-private\b"))
    bob_page.get_by_role("button", name="Remove alice").click()
    expect(entry(alice_page, "secret")).to_have_count(0)
    assert not alice_page.errors and not bob_page.errors


def test_a_room_someone_opens_appears_in_the_sidebar_and_turns_unread(
    open_page, general, random, alice, bob
):
    alice_page = open_page(person=alice)
    alice_lobby = open_page("/", person=alice)
    bob_page = open_page("/rooms/new/", person=bob)
    join_room(alice_page)
    sidebar_is_live(alice_page)
    sidebar_is_live(alice_lobby)
    expect(entry(alice_page, "design")).to_have_count(0)

    bob_page.get_by_label("Name").fill("design")
    bob_page.get_by_role("button", name="Create room").click()
    join_room(bob_page)
    expect(bob_page.locator("#room-name")).to_have_text("design")
    # Listed by name, between the rooms that were there: beside a room and
    # in the lobby.
    for page in (alice_page, alice_lobby):
        expect(page.locator("nav#sidebar #rooms li")).to_have_text(
            ["design", "general", "random"]
        )
    expect(entry(alice_page, "design")).not_to_have_class(UNREAD)

    send_message(bob_page, "the first words in design")
    expect(entry(alice_page, "design")).to_have_class(UNREAD)
    alice_page.screenshot(path=ARTIFACTS / "sidebar-new-room.png")
    entry(alice_page, "design").get_by_role("link").click()
    join_room(alice_page)
    expect(message_bodies(alice_page)).to_have_text(["the first words in design"])
    assert not alice_page.errors and not alice_lobby.errors and not bob_page.errors
