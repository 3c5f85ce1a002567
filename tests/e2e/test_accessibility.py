"""Accessibility in real Chromium: axe-core's checks and keyboard-only use."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from accounts.models import Profile
from rooms.models import Message, Room

from ..conftest import sign_up
from .conftest import join_room, message_bodies, send_message

# What a browser sees of the pages: one of tests/run's two runs.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.one_run("sqlite"),
]

# WCAG 2.2 A and AA, which include colour contrast (AA: 4.5:1), plus axe's
# best practices (landmarks, one h1, every region labelled).
RULES = {
    "runOnly": {
        "type": "tag",
        "values": [
            "wcag2a",
            "wcag2aa",
            "wcag21a",
            "wcag21aa",
            "wcag22aa",
            "best-practice",
        ],
    }
}


def assert_accessible(page):
    results = Axe().run(page, options=RULES)
    assert results.violations_count == 0, results.generate_report()


def test_room_lobby_sign_in_and_a_message_history_pass_axe(
    open_page, general, alice, bob
):
    Message.objects.create(room=general, author=bob.user, body="theirs")
    mine = Message.objects.create(room=general, author=alice.user, body="mine")
    mine.edit("mine, edited", by=alice.user)  # its mark a link to the history
    room = open_page(person=alice)
    join_room(room)
    send_message(room, "live")
    expect(message_bodies(room)).to_have_count(3)
    assert_accessible(room)

    reader = open_page()
    join_room(reader)
    assert_accessible(reader)
    assert_accessible(open_page("/", person=alice))
    assert_accessible(open_page("/people/", person=alice))
    assert_accessible(open_page("/accounts/login/"))
    assert_accessible(open_page(f"/messages/{mine.pk}/history/", person=alice))


def test_dark_pages_pass_axe_from_the_system_or_a_persons_choice(
    open_page, general, alice, bob
):
    Message.objects.create(room=general, author=bob.user, body="`code` for @alice")
    room = open_page(person=alice, color_scheme="dark")
    join_room(room)
    send_message(room, "live")
    expect(message_bodies(room)).to_have_count(2)
    assert_accessible(room)
    assert_accessible(open_page("/accounts/login/", color_scheme="dark"))
    # Chosen under Profile, dark wins over a light system, and light over dark.
    Profile.objects.create(user=alice.user, theme="dark")
    lobby = open_page("/", person=alice, color_scheme="light")
    expect(lobby.locator("html")).to_have_css("background-color", "rgb(19, 23, 30)")
    assert_accessible(lobby)
    assert_accessible(open_page("/accounts/profile/", person=alice))
    Profile.objects.filter(user=alice.user).update(theme="light")
    light = open_page("/people/", person=alice, color_scheme="dark")
    expect(light.locator("html")).to_have_css("background-color", "rgb(244, 245, 248)")


def test_keyboard_alone_finds_a_room_and_sends(open_page, general, alice):
    page = open_page("/", person=alice)
    room_link = page.locator('[data-room="general"] a')
    press_tab_until(page, room_link)
    page.keyboard.press("Enter")
    join_room(page)
    composer = page.locator("#composer-message")
    press_tab_until(page, composer)
    page.keyboard.type("typed, not clicked")
    page.keyboard.press("Enter")
    expect(message_bodies(page)).to_have_text(["typed, not clicked"])
    expect(composer).to_be_focused()
    expect(composer).to_have_value("")


def test_the_log_the_banner_and_a_refusal_are_announced(open_page, general, alice):
    page = open_page(person=alice)
    join_room(page)
    log = page.locator("#messages")
    expect(log).to_have_attribute("role", "log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.locator("#connection")).to_have_attribute("role", "status")
    send_message(page, "y" * 5001)
    error = page.locator("#composer-error")
    expect(error).to_contain_text("at most 5000 characters")
    expect(error).to_have_attribute("role", "alert")


def press_tab_until(page, target, limit=40):
    """Move the focus with Tab alone until target has it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def test_the_emoji_chooser_passes_axe_open_and_as_a_page(
    open_page, general, alice, bob
):
    message = Message.objects.create(room=general, author=bob.user, body="theirs")
    room = open_page(person=alice)
    join_room(room)
    room.locator("button.reaction-picker").click()
    room.locator("input[name=emoji-search]").press_sequentially("party")
    expect(room.locator("#emoji-status")).to_have_text("2 emoji match “party”.")
    assert_accessible(room)
    # The page without JavaScript (axe itself needs it; the page has none).
    chooser = f"/messages/{message.pk}/react/?emoji-search=heart"
    assert_accessible(open_page(chooser, person=alice))


def test_a_room_opens_in_the_composer_and_the_log_is_one_stop(
    open_page, general, alice, bob
):
    for n in range(30):
        Message.objects.create(room=general, author=bob.user, body=f"m{n}")
    page = open_page(person=alice)
    composer = page.locator("#composer-message")
    expect(composer).to_be_focused()
    skip = page.locator(".skip-link").first
    skip.focus()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    log = page.locator("#messages-scroller")
    expect(log).to_be_focused()
    # Thirty messages of links and buttons, and one Tab past them all.
    page.keyboard.press("Tab")
    expect(composer).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(log).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.locator("#messages .message").last).to_be_focused()
    page.keyboard.press("ArrowUp")
    second_newest = page.locator("#messages .message").nth(-2)
    expect(second_newest).to_be_focused()
    page.keyboard.press("Tab")
    expect(second_newest.locator("a.message-avatar")).to_be_focused()


def test_the_keyboard_stays_on_a_reaction_and_a_deleted_message(
    open_page, general, alice
):
    message = Message.objects.create(room=general, author=alice.user, body="mine")
    page = open_page(person=alice)
    join_room(page)
    article = page.locator(f"#message-{message.pk}")
    thumbs = article.locator(".reaction").first
    thumbs.focus()
    page.keyboard.press("Enter")
    expect(thumbs).to_have_attribute("data-count", "1")
    expect(thumbs).to_be_focused()
    article.locator(".message-delete").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # "Delete", asked first
    expect(article).to_have_class(re.compile("message-deleted"))
    expect(article).to_be_focused()


def test_shortcuts_switch_rooms_and_list_themselves_but_not_while_typing(
    open_page, general, alice, bob
):
    Room.objects.create(name="design", slug="design")
    Room.objects.create(name="design-secret", slug="design-secret", kind="private")
    sign_up("desmond")
    page = open_page(person=alice)
    composer = page.locator("#composer-message")
    composer.press("?")
    expect(composer).to_have_value("?")
    expect(page.locator("#shortcuts")).to_be_hidden()
    composer.fill("")
    page.keyboard.press("Control+k")
    switcher = page.get_by_role("dialog", name="Go to a room")
    expect(switcher).to_be_visible()
    page.keyboard.type("des")
    results = page.locator("#switcher-results a")
    expect(results).to_have_text(["Room #design", "Person desmond @desmond"])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/rooms/design/$"))
    expect(page.locator("#composer-message")).to_be_focused()
    page.keyboard.press("Alt+ArrowDown")
    expect(page).to_have_url(re.compile("/rooms/general/$"))
    expect(page.locator("#composer-message")).to_be_focused()
    page.keyboard.press("Alt+ArrowUp")
    expect(page).to_have_url(re.compile("/rooms/design/$"))
    expect(page.locator("#composer-message")).to_be_focused()
    page.locator("#messages-scroller").focus()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()


# 1280 × 800 at 200 %; 1280 × 1024 at 400 % (WCAG's reflow), and a phone's
# height at 320 px.
@pytest.mark.parametrize("width, height", [(640, 400), (320, 256), (320, 560)])
def test_zoomed_in_the_composer_and_the_newest_message_share_the_screen(
    open_page, general, alice, bob, width, height
):
    for n in range(20):
        Message.objects.create(room=general, author=bob.user, body=f"message {n}")
    page = open_page(person=alice, viewport={"width": width, "height": height})
    join_room(page)
    expect(page.locator("#composer-message")).to_be_in_viewport(ratio=1)
    newest = page.locator("#messages .message").last.locator(".message-body")
    expect(newest).to_be_in_viewport(ratio=1)
