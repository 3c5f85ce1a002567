"""What people post: formatting, links and lines, seen live and after being away."""

import pytest
from playwright.sync_api import expect

from ..conftest import ARTIFACTS
from .conftest import join_room, message_bodies, set_hidden

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK_REL = "noopener noreferrer nofollow ugc"


def test_formatting_links_and_lines_reach_everyone_and_whoever_was_away(
    two_here_one_away, bob
):
    alice_page, bob_page, carol_page = two_here_one_away

    composer = alice_page.locator("#composer-message")
    composer.click()
    alice_page.keyboard.type("**bold**, *it*, ~~old~~ and `make test`")
    alice_page.keyboard.press("Shift+Enter")
    alice_page.keyboard.type("docs at https://example.com/docs. or www.example.org")
    alice_page.keyboard.press("Enter")
    expect(message_bodies(bob_page)).to_have_count(1)
    expect(composer).to_have_value("")

    # A pasted block keeps its lines, and a pasted code block stays one.
    composer.click()
    alice_page.keyboard.insert_text("```python\ndef hello():\n    return 1\n```")
    alice_page.keyboard.press("Enter")
    expect(composer).to_have_value("")  # sent: she pastes the next
    composer.click()
    alice_page.keyboard.insert_text(
        "> quoted\n\n- one\n- two\n\n1. first\n2. second\n\nnot <b>bold</b>, @bob"
    )
    alice_page.keyboard.press("Enter")

    set_hidden(carol_page, False)
    for page in (bob_page, carol_page):
        expect(message_bodies(page)).to_have_count(3)
        first, code, lists = (message_bodies(page).nth(n) for n in range(3))
        expect(first.locator("strong")).to_have_text("bold")
        expect(first.locator("em")).to_have_text("it")
        expect(first.locator("del")).to_have_text("old")
        expect(first.locator("code")).to_have_text("make test")
        expect(first.locator("br")).to_have_count(1)
        links = first.locator("a.message-link")
        expect(links).to_have_text(["https://example.com/docs", "www.example.org"])
        expect(links.first).to_have_attribute("href", "https://example.com/docs")
        expect(links.last).to_have_attribute("href", "http://www.example.org")
        expect(links.first).to_have_attribute("target", "_blank")
        expect(links.first).to_have_attribute("rel", LINK_REL)
        expect(code.locator("pre > code")).to_have_text("def hello():\n    return 1\n")
        expect(code.locator("pre > code")).to_have_attribute("data-language", "python")
        expect(lists.locator("blockquote")).to_have_text("quoted")
        expect(lists.locator("ul > li")).to_have_text(["one", "two"])
        expect(lists.locator("ol > li")).to_have_text(["first", "second"])
        expect(lists.locator("b")).to_have_count(0)
        expect(lists).to_contain_text("not <b>bold</b>")
        expect(lists.locator("a.mention")).to_have_attribute("data-user", str(bob.pk))
    bob_page.screenshot(path=ARTIFACTS / "formatting-bob.png")
    assert not alice_page.errors and not bob_page.errors and not carol_page.errors


def test_editing_keeps_the_markdown_and_the_lines(open_page, general, alice, bob):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    composer = alice_page.locator("#composer-message")
    composer.fill("first line\n**second** line")
    composer.press("Enter")
    expect(message_bodies(bob_page).locator("strong")).to_have_text("second")
    expect(composer).to_have_value("")

    composer.press("ArrowUp")  # the message as typed, not as shown
    expect(composer).to_have_value("first line\n**second** line")
    expect(composer).to_be_focused()
    composer.press("End")
    alice_page.keyboard.type(" *edited*")
    composer.press("Enter")
    expect(message_bodies(bob_page).locator("em")).to_have_text("edited")
    expect(message_bodies(bob_page).locator("br")).to_have_count(1)
    expect(composer).to_have_value("")


def test_without_javascript_the_composer_is_a_textarea_with_a_send_button(
    open_page, general, alice, bob
):
    bob_page = open_page(person=bob)
    join_room(bob_page)
    alice_page = open_page(person=alice, javascript=False)
    composer = alice_page.locator("textarea#composer-message")
    composer.fill("one\ntwo")
    composer.press("Enter")  # a new line, not a send
    composer.press_sequentially("three")
    alice_page.get_by_role("button", name="Send").click()
    for page in (alice_page, bob_page):
        expect(message_bodies(page)).to_have_count(1)
        expect(message_bodies(page).locator("br")).to_have_count(2)
        expect(message_bodies(page)).to_have_text(
            "one\ntwo\nthree", use_inner_text=True
        )
