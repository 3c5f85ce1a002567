"""A direct conversation in real Chromium: started from a name, for two only."""

import re

import pytest
from playwright.sync_api import expect

from ..conftest import sign_up
from .conftest import join_room, message_bodies, send_message
from .test_chat import set_hidden

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_conversation_started_from_a_name_reaches_only_its_two_people(
    open_page, chat_server, general, alice, bob
):
    carol = sign_up("carol")
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    carol_page = open_page(person=carol)
    for page in (alice_page, bob_page, carol_page):
        join_room(page)
    send_message(bob_page, "ping me")
    expect(message_bodies(alice_page)).to_have_text(["ping me"])

    alice_page.locator("#messages .message-author", has_text="bob").click()
    expect(alice_page).to_have_url(re.compile(r"/rooms/_dm-\d+-\d+/$"))
    expect(alice_page.locator("#room-name")).to_have_text("alice, bob")
    join_room(alice_page)
    conversation = alice_page.url

    # bob has it open in two tabs; one of them is in the background.
    bob_page.goto(chat_server.url + "/")
    bob_page.locator("#conversations").get_by_role("link", name="alice, bob").click()
    join_room(bob_page)
    away = bob_page.context.new_page()
    away.goto(chat_server.url + "/dm/alice/")
    expect(away).to_have_url(conversation)
    join_room(away)
    set_hidden(away, True)
    expect(away.locator("#connection")).to_have_attribute("data-state", "connecting")

    send_message(alice_page, "just between us")
    expect(message_bodies(bob_page)).to_have_text(["just between us"])
    send_message(bob_page, "agreed")
    expect(message_bodies(alice_page)).to_have_text(["just between us", "agreed"])
    set_hidden(away, False)
    join_room(away)
    expect(message_bodies(away)).to_have_text(["just between us", "agreed"])

    expect(message_bodies(carol_page)).to_have_text(["ping me"])
    carol_page.reload()
    expect(carol_page.locator("#conversations")).to_have_count(0)
    assert carol_page.goto(conversation).status == 404
    assert not alice_page.errors and not bob_page.errors
