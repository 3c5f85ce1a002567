"""Pictures of the gallery in light colours and of a live room, compared
with the approved ones (tests/e2e/pictures.py); the dark pictures are
test_screenshots_dark.py's, so that two workers take them side by side."""

import pytest
from playwright.sync_api import expect

from rooms.models import Message

from .conftest import join_room, message_bodies, send_message
from .pictures import check, gallery_failures

# Pictures of pages: the database does not change them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.one_run("postgres"),
]


def test_gallery_pictures_match_in_light(browser, chat_server, comparer):
    assert gallery_failures(browser, chat_server, comparer, "light") == []


def test_live_room_picture_matches(open_page, comparer, general, alice, bob):
    Message.objects.create(room=general, author=bob.user, body="Coffee at ten?")
    page = open_page(person=alice)
    join_room(page)
    # Arrivals are announced in batches: let alice's land before she speaks.
    expect(page.locator("#messages .notice")).to_have_text(["alice joined"])
    send_message(page, "On my way, bringing the notes.")
    expect(message_bodies(page)).to_have_count(2)
    expect(page.locator("#composer-message")).to_be_focused()
    # The live message's avatar is fetched once it lands: wait for it. A
    # function, not an expression: Playwright evaluates an expression again
    # on every poll, which the page's CSP refuses outside the first check.
    page.wait_for_function(
        "() => [...document.querySelectorAll('#messages img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    # Times change with every run; a mask keeps their place in the picture.
    picture = page.screenshot(
        animations="disabled", caret="hide", mask=[page.locator(".message-time")]
    )
    check(comparer, "live-room", picture)
