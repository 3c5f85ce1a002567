"""Completing an @mention in the composer, in Chromium: by keyboard, by
mouse, and closed with Escape, while Enter chooses instead of sending."""

import pytest
from playwright.sync_api import expect

from accounts.models import Bot, Profile

from ..conftest import ARTIFACTS, sign_up
from .conftest import join_room, message_bodies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def options(page):
    return page.locator("#mention-options .mention-option")


def test_arrow_down_and_enter_choose_alice_without_sending(
    open_page, general, alice, bob
):
    page = open_page(person=bob)
    join_room(page)
    composer = page.locator("#composer-message")
    composer.press_sequentially("hi @al")
    expect(options(page)).to_have_count(1)
    expect(options(page)).to_contain_text("@alice")
    expect(composer).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#mention-status")).to_have_text("1 person matches")

    composer.press("ArrowDown")
    chosen = f"mention-option-{alice.pk}"
    expect(composer).to_have_attribute("aria-activedescendant", chosen)
    expect(page.locator(f"#{chosen}")).to_have_attribute("aria-selected", "true")
    composer.press("Enter")
    expect(composer).to_have_value("hi @alice ")
    expect(page.locator("#mention-options")).to_be_hidden()
    expect(composer).not_to_have_attribute("aria-expanded", "true")

    # Enter sends again: one message, so the first Enter sent nothing.
    composer.press_sequentially("look")
    composer.press("Enter")
    expect(message_bodies(page)).to_have_text(["hi @alice look"])
    mention = page.locator(f'#messages a.mention[data-user="{alice.pk}"]')
    expect(mention).to_have_text("@alice")
    expect(composer).to_have_value("")
    assert not page.errors


def test_escape_closes_and_tab_a_click_and_arrow_up_choose(
    open_page, general, alice, bob
):
    for username in ("alan", "alfred"):
        sign_up(username)
    Profile.objects.create(user=bob.user, display_name="Albert Bob")
    Bot.objects.create(user=sign_up("alertbot").user)
    page = open_page(person=alice)
    join_room(page)
    composer = page.locator("#composer-message")

    composer.press_sequentially("@AL")
    expect(options(page)).to_have_text(
        [
            "alan @alan",
            "alertbot @alertbot",
            "alfred @alfred",
            "alice @alice",
            "Albert Bob @bob",
        ]
    )
    expect(page.locator("#mention-status")).to_have_text("5 people match")
    expect(page.locator(".mention-option-name.is-bot")).to_have_text("alertbot")
    page.screenshot(path=ARTIFACTS / "mentions-open.png")
    composer.press("Escape")
    expect(page.locator("#mention-options")).to_be_hidden()
    expect(composer).to_have_value("@AL")
    composer.press("Enter")  # closed: Enter sends as ever
    expect(message_bodies(page)).to_have_text(["@AL"])

    composer.press_sequentially("ping @alf")
    expect(options(page)).to_have_count(1)
    composer.press("Tab")  # the first, when none is highlighted
    expect(composer).to_have_value("ping @alfred ")
    expect(composer).to_be_focused()

    composer.press_sequentially("and @al")
    expect(options(page)).to_have_count(5)
    composer.press("ArrowUp")  # from the bottom
    composer.press("Enter")
    expect(composer).to_have_value("ping @alfred and @bob ")

    composer.press_sequentially("@ale")
    page.locator(".mention-option", has_text="@alertbot").click()
    expect(composer).to_have_value("ping @alfred and @bob @alertbot ")
    expect(composer).to_be_focused()
    expect(message_bodies(page)).to_have_count(1)
    assert not page.errors


def test_keys_pressed_before_the_list_comes_wait_for_it(open_page, general, alice, bob):
    page = open_page(person=bob)
    join_room(page)
    composer = page.locator("#composer-message")
    composer.press_sequentially("hey @ali")
    composer.press("ArrowDown")  # at once, before the list can have come
    composer.press("Enter")
    expect(composer).to_have_value("hey @alice ")
    composer.press_sequentially("and @zed")
    composer.press("ArrowDown")
    composer.press("Enter")  # nobody is called that: it sends
    expect(message_bodies(page)).to_have_text(["hey @alice and @zed"])
    assert not page.errors


def test_enter_on_a_name_typed_whole_sends_it(open_page, general, alice, bob):
    page = open_page(person=bob)
    join_room(page)
    composer = page.locator("#composer-message")
    composer.press_sequentially("see you, @alice")
    expect(options(page)).to_have_count(1)  # the list shows: nothing to complete
    composer.press("Enter")
    expect(message_bodies(page)).to_have_text(["see you, @alice"])
    expect(composer).to_have_value("")
    expect(page.locator("#mention-options")).to_be_hidden()
    assert not page.errors
