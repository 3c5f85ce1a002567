"""A room read in Spanish beside one read in English, in real Chromium: the
page, what its socket draws and the words its scripts and styles add are in
each reader's own language."""

import pytest
from playwright.sync_api import expect

from .conftest import join_room, send_message
from .test_typing_and_scrolling import expect_typing_line, type_into_composer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IN_SPAIN = {"locale": "es-ES"}


def test_a_spanish_reader_sees_the_room_in_spanish(open_page, general, alice, bob):
    general.post(bob.user, "hola")
    alice_page = open_page(person=alice, **IN_SPAIN)
    bob_page = open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    expect(alice_page.locator("html")).to_have_attribute("lang", "es")
    live = alice_page.locator("#connection .connection-open")
    expect(live).to_be_visible()
    expect(live).to_have_text("En vivo")
    expect(alice_page.locator("#composer-message")).to_have_attribute(
        "placeholder", "Mensaje para general"
    )
    expect(alice_page.locator("#messages .thread-link")).to_contain_text(
        "Responder en el hilo"
    )
    # local-times.js names the day in the page's language.
    expect(alice_page.locator("#messages .day-divider")).to_have_text("Hoy")
    expect(bob_page.locator("#messages .day-divider")).to_have_text("Today")

    # chat.css's words, from the page's own language.
    type_into_composer(bob_page, "ho")
    expect_typing_line(alice_page, "bob está escribiendo…")
    type_into_composer(alice_page, "hi")
    expect_typing_line(bob_page, "alice is typing…")


def test_a_live_message_is_drawn_in_each_readers_language(
    open_page, general, alice, bob
):
    alice_page = open_page(person=alice, **IN_SPAIN)
    bob_page = open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    send_message(bob_page, "hola")
    links = {
        page: page.locator("#messages article.message .thread-link")
        for page in (alice_page, bob_page)
    }
    expect(links[alice_page]).to_contain_text("Responder en el hilo")
    expect(links[bob_page]).to_contain_text("Reply in thread")
