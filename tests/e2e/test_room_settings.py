"""A room's settings in the browser: renamed, described and archived live for
the people in it; mark all read."""

import re

import pytest
from playwright.sync_api import expect

from rooms.models import Room

from ..conftest import ARTIFACTS
from .conftest import join_room, send_message
from .test_unread import lobby_entry, lobby_is_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_its_creator_renames_describes_and_archives_it_live_for_others(
    open_page, chat_server, alice, bob
):
    Room.objects.create(name="launch", slug="launch", created_by=alice.user)
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    for page in (alice_page, bob_page):
        page.goto(chat_server.url + "/rooms/launch/")
        join_room(page)

    bob_page.get_by_role("button", name="Mute").click()
    join_room(bob_page)
    alice_page.get_by_role("link", name="Settings").click()
    alice_page.get_by_label("Name").fill("Launch day")
    alice_page.get_by_label("Topic").fill("Dates, owners, what blocks it")
    alice_page.get_by_role("button", name="Save").click()
    expect(alice_page).to_have_url(chat_server.url + "/rooms/launch/")
    expect(bob_page.locator("#room-name")).to_have_text("Launch day")
    expect(bob_page.locator("#room-topic")).to_have_text(
        "Dates, owners, what blocks it"
    )
    bobs_entry = bob_page.locator('#sidebar [data-room="launch"]')
    expect(bobs_entry).to_contain_text("Launch day")
    expect(bobs_entry).to_have_class(re.compile("is-muted"))  # still his mark

    alice_page.get_by_role("link", name="Settings").click()
    alice_page.get_by_role("button", name="Archive room").click()
    expect(bob_page.locator("#room-archived")).to_be_visible()
    expect(bob_page.locator("#composer")).to_be_hidden()
    bob_page.screenshot(path=ARTIFACTS / "room-archived.png")
    assert Room.objects.get(slug="launch").messages.count() == 0

    alice_page.get_by_role("link", name="Settings").click()
    alice_page.get_by_role("button", name="Unarchive").click()
    expect(bob_page.locator("#composer")).to_be_visible()
    send_message(bob_page, "back in business")
    expect(alice_page.locator(".message-body")).to_have_text(["back in business"])


def test_mark_all_read_clears_every_room(open_page, chat_server, general, alice, bob):
    Room.objects.create(name="random", slug="random").post(bob.user, "hi")
    general.post(bob.user, "news")
    page = open_page(person=alice)
    page.goto(chat_server.url + "/")
    lobby_is_live(page)
    unread = re.compile("has-unread")
    expect(lobby_entry(page, "random")).to_have_class(unread)
    page.get_by_role("button", name="Mark all read").click()
    lobby_is_live(page)
    expect(page.locator("#room-lists .has-unread")).to_have_count(0)
