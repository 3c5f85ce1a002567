"""Edits, deletions and reactions in real Chromium, live and after being away."""

import re

import pytest
from playwright.sync_api import expect

from rooms.models import Message

from ..conftest import ARTIFACTS, sign_up
from .conftest import join_room, message_bodies, send_message
from .test_chat import set_hidden

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def message_of(page, message):
    return page.locator(f"#message-{message.pk}")


def expect_deleted(message):
    expect(message).to_have_class(re.compile(r"\bmessage-deleted\b"))


def look_away(page):
    set_hidden(page, True)  # htmx closes a hidden tab's socket
    expect(page.locator("#connection")).to_have_attribute("data-state", "connecting")


def come_back(page):
    set_hidden(page, False)
    join_room(page)


def test_author_edits_live_and_a_person_away_catches_up(open_page, general, alice, bob):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    send_message(alice_page, "helo bob")
    expect(message_bodies(bob_page)).to_have_text(["helo bob"])
    message = Message.objects.get(body="helo bob")
    expect(message_of(alice_page, message).locator(".message-edit")).to_be_visible()
    expect(message_of(bob_page, message).locator(".message-edit")).to_be_hidden()
    expect(message_of(bob_page, message).locator(".message-delete")).to_be_hidden()

    composer = alice_page.locator("#composer-message")
    # Cleared once the server took it: until then Up is not for editing.
    expect(composer).to_have_value("")
    composer.press("ArrowUp")  # in an empty composer: edit my last message
    expect(composer).to_have_value("helo bob")
    composer.fill("hello bob")
    composer.press("Enter")
    expect(message_bodies(bob_page)).to_have_text(["hello bob"])
    expect(message_of(bob_page, message).locator(".message-edited")).to_be_visible()
    expect(composer).to_have_value("")
    expect(composer).not_to_have_attribute("data-editing", str(message.pk))

    look_away(bob_page)
    message_of(alice_page, message).locator(".message-edit").click()
    expect(composer).to_have_value("hello bob")
    alice_page.screenshot(path=ARTIFACTS / "editing-alice.png")
    composer.fill("hello bob, edited while you were away")
    composer.press("Enter")
    expect(message_bodies(alice_page)).to_have_text(
        ["hello bob, edited while you were away"]
    )
    come_back(bob_page)
    expect(message_bodies(bob_page)).to_have_text(
        ["hello bob, edited while you were away"]
    )
    bob_page.screenshot(path=ARTIFACTS / "edited-bob.png")
    assert not alice_page.errors and not bob_page.errors


def test_escape_leaves_editing_and_a_blank_edit_is_refused(open_page, general, alice):
    page = open_page(person=alice)
    join_room(page)
    send_message(page, "keep me")
    expect(message_bodies(page)).to_have_text(["keep me"])
    composer = page.locator("#composer-message")
    expect(composer).to_have_value("")  # the server took it
    composer.press("ArrowUp")
    expect(composer).to_have_value("keep me")
    composer.press("Escape")
    expect(composer).to_have_value("")
    composer.press("ArrowUp")  # the server puts the message back, as typed
    expect(composer).to_have_value("keep me")
    composer.fill(" ")
    composer.press("Enter")
    expect(page.locator("#composer-error")).to_have_text("A message can't be empty.")
    expect(message_bodies(page)).to_have_text(["keep me"])


def test_an_edit_keeps_the_unsent_draft_for_after(open_page, general, alice):
    page = open_page(person=alice)
    join_room(page)
    send_message(page, "first version")
    composer = page.locator("#composer-message")
    expect(composer).to_have_value("")
    composer.fill("half a thought")
    message = page.locator("#messages .message").first
    message.locator(".message-edit").click()
    expect(composer).to_have_value("first version")
    composer.press("Escape")
    expect(composer).to_have_value("half a thought")
    message.locator(".message-edit").click()
    expect(composer).to_have_value("first version")
    composer.fill("second version")
    composer.press("Enter")
    expect(message_bodies(page)).to_have_text(["second version"])
    expect(composer).to_have_value("half a thought")
    assert not page.errors


def test_a_reader_watches_an_edit_live_then_opens_its_history(
    open_page, general, alice, bob
):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    send_message(alice_page, "meet at **nine**")
    expect(message_bodies(bob_page)).to_have_text(["meet at nine"])
    message = Message.objects.get()
    composer = alice_page.locator("#composer-message")
    expect(composer).to_have_value("")
    composer.press("ArrowUp")
    expect(composer).to_have_value("meet at **nine**")
    composer.fill("meet at ten")
    composer.press("Enter")
    expect(message_bodies(bob_page)).to_have_text(["meet at ten"])

    # The mark came with the live update, and leads to what it said before.
    mark = message_of(bob_page, message).get_by_role(
        "link", name="edited — see earlier versions"
    )
    expect(mark).to_have_text("(edited)")
    mark.click()
    expect(bob_page).to_have_url(re.compile(rf"/messages/{message.pk}/history/$"))
    versions = bob_page.locator("#message-history .message-version")
    expect(versions.locator(".message-body")).to_have_text(
        ["meet at ten", "meet at nine"]
    )
    expect(versions.nth(1).locator(".message-body strong")).to_have_text("nine")
    # Times in bob's own zone, as in the room (local-times.js).
    expect(versions.locator("time").first).to_have_attribute("title", re.compile("."))
    bob_page.get_by_role("link", name="Back to the message").click()
    expect(message_of(bob_page, message)).to_have_class(re.compile("is-highlighted"))
    assert not alice_page.errors and not bob_page.errors


def test_author_deletes_live_and_a_person_away_catches_up(
    open_page, general, alice, bob
):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    send_message(alice_page, "first secret")
    send_message(alice_page, "second secret")
    expect(message_bodies(bob_page)).to_have_count(2)
    first, second = Message.objects.order_by("pk")

    message_of(alice_page, first).locator(".message-delete").click()
    # Asked first: keeping it sends nothing.
    message_of(alice_page, first).get_by_role("button", name="Keep it").click()
    expect(message_of(alice_page, first).locator(".delete-confirm")).to_have_count(0)
    message_of(alice_page, first).locator(".message-delete").click()
    message_of(alice_page, first).get_by_role("button", name="Delete").click()
    expect_deleted(message_of(bob_page, first))
    expect(message_of(bob_page, first)).not_to_contain_text("first secret")

    look_away(bob_page)
    message_of(alice_page, second).locator(".message-delete").click()
    alice_page.keyboard.press("Enter")  # the answer has the focus
    expect_deleted(message_of(alice_page, second))
    come_back(bob_page)
    expect_deleted(message_of(bob_page, second))
    expect(bob_page.locator("#messages")).not_to_contain_text("secret")
    assert not alice_page.errors and not bob_page.errors


def test_reactions_count_toggle_live_and_reach_a_person_away(
    open_page, general, alice, bob
):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    send_message(alice_page, "cake in the kitchen")
    expect(message_bodies(bob_page)).to_have_count(1)
    message = Message.objects.get()

    def thumbs(page):
        return message_of(page, message).locator('button.reaction[data-emoji="👍"]')

    thumbs(bob_page).click()
    expect(thumbs(alice_page).locator(".reaction-count")).to_have_text("1")
    thumbs(alice_page).click()
    expect(thumbs(bob_page).locator(".reaction-count")).to_have_text("2")
    party = message_of(alice_page, message).locator('button.reaction[data-emoji="🎉"]')
    party.click()
    expect(party.locator(".reaction-count")).to_have_text("1")
    # Alice's own choices are marked for her, not for Bob.
    chosen = thumbs(alice_page).evaluate("e => getComputedStyle(e).borderColor")
    unchosen = thumbs(bob_page).evaluate("e => getComputedStyle(e).borderColor")
    assert chosen == unchosen  # both chose 👍
    bob_party = message_of(bob_page, message).locator(
        'button.reaction[data-emoji="🎉"]'
    )
    assert party.evaluate("e => getComputedStyle(e).borderColor") != (
        bob_party.evaluate("e => getComputedStyle(e).borderColor")
    )

    look_away(bob_page)
    thumbs(alice_page).click()  # takes hers back
    expect(thumbs(alice_page).locator(".reaction-count")).to_have_text("1")
    come_back(bob_page)
    expect(thumbs(bob_page).locator(".reaction-count")).to_have_text("1")
    expect(bob_party.locator(".reaction-count")).to_have_text("1")
    bob_page.screenshot(path=ARTIFACTS / "reactions-bob.png")
    assert not alice_page.errors and not bob_page.errors


def test_any_emoji_chosen_by_keyboard_is_seen_live_named_and_after_a_reload(
    open_page, general, alice, bob
):
    message = Message.objects.create(room=general, author=bob.user, body="we ship")
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    rocket = 'button.reaction[data-emoji="🚀"]'

    # Alice, by keyboard alone: to the picker, open, search, choose.
    picker = message_of(alice_page, message).locator("button.reaction-picker")
    picker.focus()
    alice_page.keyboard.press("Enter")
    search = alice_page.locator("#emoji-chooser input[name=emoji-search]")
    expect(search).to_be_focused()
    expect(alice_page.locator("#emoji-status")).to_have_text("")  # until asked
    alice_page.keyboard.type("rock")
    options = alice_page.locator("#emoji-chooser button[data-emoji]")
    expect(options.first).to_have_attribute("data-emoji", "🪨")  # rock, whole
    expect(alice_page.locator("#emoji-status")).to_contain_text("match “rock”")
    alice_page.keyboard.type("et")
    expect(options).to_have_count(1)
    alice_page.screenshot(path=ARTIFACTS / "emoji-chooser-alice.png")
    alice_page.keyboard.press("ArrowDown")
    expect(options.first).to_be_focused()
    expect(options.first).to_have_accessible_name("rocket")
    alice_page.keyboard.press("Enter")
    expect(alice_page.locator("#emoji-chooser")).not_to_be_visible()

    # Bob sees it live, counted and named; so does Alice, her focus kept.
    bob_rocket = message_of(bob_page, message).locator(rocket)
    expect(bob_rocket.locator(".reaction-count")).to_have_text("1")
    expect(bob_rocket).to_have_attribute("title", "alice reacted with 🚀")
    expect(bob_rocket).to_have_accessible_name("alice reacted with 🚀")
    expect(message_of(alice_page, message).locator(rocket)).to_be_visible()
    expect(picker).to_be_focused()

    # Escape closes without choosing; Enter in the search takes the first.
    bob_picker = message_of(bob_page, message).locator("button.reaction-picker")
    bob_picker.click()
    bob_page.keyboard.type("unicorn")
    bob_page.keyboard.press("Escape")
    expect(bob_page.locator("#emoji-chooser")).not_to_be_visible()
    expect(bob_picker).to_be_focused()
    bob_picker.press("Enter")
    expect(bob_page.locator("#emoji-search")).to_have_value("")
    bob_page.keyboard.type("rocket")
    bob_page.keyboard.press("Enter")
    expect(bob_rocket.locator(".reaction-count")).to_have_text("2")
    expect(bob_rocket).to_have_attribute("title", "alice, bob reacted with 🚀")

    bob_page.reload()
    join_room(bob_page)
    bob_rocket = message_of(bob_page, message).locator(rocket)
    expect(bob_rocket).to_have_attribute("aria-label", "alice, bob reacted with 🚀")
    bob_page.screenshot(path=ARTIFACTS / "emoji-reaction-bob.png")
    assert Message.objects.get(pk=message.pk).reactors == {"🚀": [alice.pk, bob.pk]}
    assert not alice_page.errors and not bob_page.errors


def test_without_javascript_the_chooser_is_a_page(open_page, general, alice, bob):
    message = Message.objects.create(room=general, author=bob.user, body="tea?")
    alice_page = open_page(person=alice, javascript=False)
    bob_page = open_page(person=bob)
    join_room(bob_page)
    message_of(alice_page, message).locator("button.reaction-picker").click()
    expect(alice_page.locator("h1")).to_have_text("React to this message")
    alice_page.locator("input[name=emoji-search]").fill("teacup")
    alice_page.get_by_role("button", name="Search").click()
    expect(alice_page.locator("#emoji-status")).to_have_text(
        "1 emoji matches “teacup”."
    )
    alice_page.locator('button[data-emoji="🍵"]').click()
    tea = 'button.reaction[data-emoji="🍵"]'
    expect(message_of(alice_page, message).locator(tea)).to_have_attribute(
        "data-count", "1"
    )
    expect(message_of(bob_page, message).locator(tea)).to_have_attribute(
        "title", "alice reacted with 🍵"
    )


def test_staff_delete_any_message_in_the_room_and_in_the_admin(
    open_page, general, alice, bob
):
    moderator = sign_up("moderator")
    moderator.user.is_staff = moderator.user.is_superuser = True
    moderator.user.save()
    rude, ruder = (
        Message.objects.create(room=general, author=alice.user, body=body)
        for body in ("rude", "ruder")
    )
    bob_page, moderator_page = open_page(person=bob), open_page(person=moderator)
    join_room(bob_page)
    join_room(moderator_page)
    expect(message_of(moderator_page, rude).locator(".message-delete")).to_be_visible()
    expect(message_of(moderator_page, rude).locator(".message-edit")).to_be_hidden()
    message_of(moderator_page, rude).locator(".message-delete").click()
    message_of(moderator_page, rude).get_by_role("button", name="Delete").click()
    expect_deleted(message_of(bob_page, rude))

    look_away(bob_page)  # away while the admin deletes
    admin = moderator_page.context.new_page()
    admin.goto(moderator_page.url.replace("/rooms/general/", "/admin/rooms/message/"))
    admin.locator(f'input[name="_selected_action"][value="{ruder.pk}"]').check()
    admin.locator('select[name="action"]').select_option("delete_selected")
    admin.get_by_role("button", name="Run").click()
    admin.get_by_role("button", name="Yes, I’m sure").click()
    expect(admin.locator(".messagelist")).to_contain_text("Successfully deleted")
    expect_deleted(message_of(moderator_page, ruder))
    come_back(bob_page)
    expect_deleted(message_of(bob_page, ruder))
    assert Message.objects.get(pk=ruder.pk).body == ""


def test_without_javascript_authors_edit_and_delete_by_links_and_forms(
    open_page, general, alice, bob
):
    Message.objects.create(room=general, author=bob.user, body="not yours")
    mine = Message.objects.create(room=general, author=alice.user, body="typo hre")
    alice_page = open_page(person=alice, javascript=False)
    bob_page = open_page(person=bob)
    join_room(bob_page)
    theirs = alice_page.locator("article.message").first
    expect(theirs.locator(".message-edit")).to_be_hidden()
    expect(theirs.locator(".message-delete")).to_be_hidden()

    message_of(alice_page, mine).get_by_role("link", name="Edit your message").click()
    alice_page.get_by_label("Message", exact=True).fill("typo here")
    alice_page.get_by_role("button", name="Save").click()
    expect(message_of(alice_page, mine).locator(".message-body")).to_have_text(
        "typo here"
    )
    expect(message_of(alice_page, mine).locator(".message-edited")).to_be_visible()
    expect(message_of(bob_page, mine).locator(".message-body")).to_have_text(
        "typo here"
    )
    # What it said before, without JavaScript too.
    message_of(alice_page, mine).locator(".message-edited").click()
    expect(alice_page.locator(".message-version .message-body")).to_have_text(
        ["typo here", "typo hre"]
    )
    alice_page.get_by_role("link", name="Back to the message").click()

    message_of(alice_page, mine).get_by_role("link", name="Delete this message").click()
    expect(alice_page.locator("h1")).to_have_text("Delete this message?")
    alice_page.get_by_role("button", name="Delete").click()
    expect_deleted(message_of(alice_page, mine))
    expect_deleted(message_of(bob_page, mine))


def test_without_javascript_a_reaction_asks_then_counts(open_page, general, alice, bob):
    message = Message.objects.create(room=general, author=bob.user, body="party?")
    alice_page = open_page(person=alice, javascript=False)
    bob_page = open_page(person=bob)
    join_room(bob_page)
    party = 'button.reaction[data-emoji="🎉"]'
    message_of(alice_page, message).locator(party).click()
    expect(alice_page.locator("h1")).to_have_text("React 🎉 to this message?")
    alice_page.get_by_role("button", name="React 🎉").click()
    expect(message_of(alice_page, message).locator(party)).to_have_attribute(
        "data-count", "1"
    )
    expect(message_of(bob_page, message).locator(party)).to_have_attribute(
        "data-count", "1"
    )
    # Again, to take it back.
    message_of(alice_page, message).locator(party).click()
    alice_page.get_by_role("button", name="Take back 🎉").click()
    expect(message_of(alice_page, message).locator(party)).to_have_attribute(
        "data-count", "0"
    )
    assert not alice_page.errors
