"""A private room in real Chromium: made, shared, and taken away."""

import re

import pytest
from playwright.sync_api import expect

from ..conftest import sign_up
from .conftest import join_room, message_bodies, send_message
from .test_chat import set_hidden

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_private_room_is_shared_and_taken_away(
    open_page, chat_server, general, alice, bob
):
    carol = sign_up("carol")
    alice_page = open_page("/rooms/new/", person=alice)
    alice_page.locator("#id_name").fill("Secret")
    alice_page.locator("#id_private").check()
    alice_page.get_by_role("button", name="Create room").click()
    expect(alice_page).to_have_url(re.compile(r"/rooms/secret/$"))
    join_room(alice_page)

    admin = alice_page.context.new_page()
    admin.goto(chat_server.url + "/rooms/secret/members/")
    admin.locator("#id_username").fill("bob")
    admin.get_by_role("button", name="Add").click()
    expect(admin.locator("#members .member-name")).to_have_text(["alice", "bob"])

    bob_page = open_page("/", person=bob)
    bob_page.locator('[data-room="secret"] a').click()
    join_room(bob_page)
    away = bob_page.context.new_page()  # bob's other tab, soon in the background
    away.goto(chat_server.url + "/rooms/secret/")
    join_room(away)
    send_message(alice_page, "just us")
    expect(message_bodies(bob_page)).to_have_text(["just us"])
    expect(message_bodies(away)).to_have_text(["just us"])

    carol_page = open_page("/", person=carol)
    expect(carol_page.locator('[data-room="general"]')).to_have_count(1)
    expect(carol_page.locator('[data-room="secret"]')).to_have_count(0)
    assert carol_page.goto(chat_server.url + "/rooms/secret/").status == 404

    set_hidden(away, True)
    expect(away.locator("#connection")).to_have_attribute("data-state", "connecting")
    admin.get_by_role("button", name="Remove bob").click()
    expect(admin.locator("#members .member-name")).to_have_text(["alice"])
    expect(bob_page.locator("#controls")).to_contain_text(
        "You are no longer a member of this room."
    )
    expect(bob_page.locator("#connection")).to_have_attribute("data-state", "closed")
    # One word on it, not a second that says to reload; the room leaves the
    # sidebar, where it was marked current.
    expect(bob_page.locator("#connection")).to_be_hidden()
    expect(bob_page.locator('nav#sidebar [data-room="secret"]')).to_have_count(0)
    expect(bob_page.locator("#composer")).to_have_count(0)

    send_message(alice_page, "after bob left")
    expect(message_bodies(alice_page)).to_have_text(["just us", "after bob left"])
    set_hidden(away, False)  # bob comes back to the tab he left open
    expect(away.locator("#controls")).to_contain_text(
        "This room is for its members only."
    )
    expect(away.locator("#connection")).to_have_attribute("data-state", "closed")
    expect(message_bodies(away)).to_have_text(["just us"])
    assert bob_page.reload().status == 404
    assert not bob_page.errors and not alice_page.errors
