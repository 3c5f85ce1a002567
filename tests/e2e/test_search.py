"""Search in real Chromium: what each person may read, opened in context."""

import re

import pytest
from playwright.sync_api import expect

from rooms.models import Room

from ..conftest import sign_up
from .conftest import join_room, message_bodies, send_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def search(page, terms):
    page.locator(".site-search input").fill(terms)
    page.locator(".site-search input").press("Enter")
    return page.locator(".search-result")


def test_search_finds_only_what_each_person_may_read(open_page, general, alice, bob):
    carol = sign_up("carol")
    secret = Room.objects.create(name="secret", slug="secret", kind="private")
    secret.members.add(alice.user, bob.user)
    alice_page = open_page("/rooms/secret/", person=alice)
    join_room(alice_page)
    # bob is away while alice talks; he finds it later.
    send_message(alice_page, "the quarterly numbers are in")
    expect(message_bodies(alice_page)).to_have_text(["the quarterly numbers are in"])
    alice_page.goto(alice_page.url.replace("/secret/", "/general/"))
    join_room(alice_page)
    send_message(alice_page, "quarterly party on Friday")
    expect(message_bodies(alice_page)).to_have_text(["quarterly party on Friday"])

    carol_page = open_page("/", person=carol)
    expect(search(carol_page, "quarterly")).to_have_count(1)
    expect(carol_page.locator(".search-result .message-body")).to_have_text(
        ["quarterly party on Friday"]
    )

    bob_page = open_page("/", person=bob)
    results = search(bob_page, "Quarterly")
    expect(results.locator(".message-body")).to_have_text(
        ["quarterly party on Friday", "the quarterly numbers are in"]
    )
    results.nth(1).get_by_role("link").click()
    highlighted = bob_page.locator("#messages .message.is-highlighted")
    expect(highlighted.locator(".message-body")).to_have_text(
        "the quarterly numbers are in"
    )
    expect(highlighted).to_be_in_viewport()
    join_room(bob_page)
    send_message(bob_page, "thanks, found it")
    expect(message_bodies(bob_page).last).to_have_text("thanks, found it")


def test_search_marks_the_words_found_and_narrows_to_a_room(
    open_page, general, alice, bob
):
    random = Room.objects.create(name="random", slug="random")
    general.post(
        alice.user, "the **Release** plan is ready, see https://example.com/release"
    )
    random.post(bob.user, "release party in random")

    page = open_page("/", person=alice)
    results = search(page, "release in:#general")
    expect(results).to_have_count(1)
    expect(results.locator("mark")).to_have_text(["Release", "release"])
    expect(results.locator("a.message-link")).to_have_attribute(
        "href", "https://example.com/release"
    )
    expect(page.locator("#search-q")).to_have_value("release in:#general")
    expect(page.locator(".search-filters")).to_have_text(
        re.compile(r"Only messages\s+in #general")
    )

    page.locator("#search-q").fill("release in:#nope")
    page.locator("#search-q").press("Enter")
    expect(page.locator(".search-errors")).to_have_text(
        "No room called #nope you can read."
    )
    expect(page.locator("#search-q")).to_have_value("release in:#nope")
    expect(page.locator(".search-result")).to_have_count(0)
