"""Threads in real Chromium: replies live for those in the thread while the
room sees only the count move, "also send to the room", catch-up after the
socket drops, a phone, and no JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from rooms.models import Message, ThreadFollow

from ..conftest import ARTIFACTS, sign_up
from .conftest import join_room, message_bodies, send_message, set_hidden

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def thread_bodies(page):
    return page.locator("#thread-messages .message .message-body")


def reply_count(page, message):
    return page.locator(f"#message-{message.pk} .thread-summary .reply-count")


def open_thread(page, message):
    page.locator(f"#message-{message.pk} a.thread-link").click()
    expect(
        page.locator(f"#thread-messages[data-thread='{message.pk}']")
    ).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/rooms/general/threads/{message.pk}/$"))


def reply(page, text):
    page.locator("#thread-composer-message").fill(text)
    page.locator("#thread-composer-message").press("Enter")


def test_two_reply_live_while_the_room_sees_the_count_move(
    open_page, general, alice, bob
):
    carol = sign_up("carol")
    pages = [open_page(person=person) for person in (alice, bob, carol)]
    alice_page, bob_page, carol_page = pages
    for page in pages:
        join_room(page)
    send_message(alice_page, "Who owns the release checklist?")
    expect(message_bodies(carol_page)).to_have_text(["Who owns the release checklist?"])
    question = Message.objects.get()
    expect(reply_count(carol_page, question)).to_have_text("0")

    open_thread(alice_page, question)
    open_thread(bob_page, question)
    # The reply box takes the keyboard as the thread opens.
    expect(bob_page.locator("#thread-composer-message")).to_be_focused()
    reply(bob_page, "I do, **until Friday**")
    expect(thread_bodies(alice_page)).to_have_text(["I do, until Friday"])
    expect(alice_page.locator("#thread-messages strong")).to_have_text("until Friday")
    expect(bob_page.locator("#thread-composer-message")).to_have_value("")
    reply(alice_page, "Thanks!")
    expect(thread_bodies(bob_page)).to_have_text(["I do, until Friday", "Thanks!"])

    # A reaction in the thread shows live there too.
    thanks = Message.objects.get(body="Thanks!")
    bob_page.locator(f"#reply-{thanks.pk} button.reaction[data-emoji='🎉']").click()
    expect(
        alice_page.locator(
            f"#reply-{thanks.pk} button.reaction[data-emoji='🎉'] .reaction-count"
        )
    ).to_have_text("1")
    expect(reply_count(carol_page, question)).to_have_text("2")
    expect(
        carol_page.locator(f"#message-{question.pk} .thread-summary")
    ).to_contain_text("2 replies")
    # The room's log holds the question only, for everyone.
    for page in pages:
        expect(message_bodies(page)).to_have_text(["Who owns the release checklist?"])
    expect(carol_page.locator("#thread")).to_be_hidden()

    # A reply seen as it comes is read: the Threads page agrees.
    read_url = f"/threads/{question.pk}/read/"

    def marks_the_newest(response):
        # Not an earlier mark still on its way: this reply's, stored first.
        newest = Message.objects.filter(body="One more thing").first()
        body = response.request.post_data or ""
        field = f'name="reply"\r\n\r\n{newest.pk}\r\n' if newest else None
        return bool(field) and response.url.endswith(read_url) and field in body

    with alice_page.expect_response(marks_the_newest) as marked:
        reply(bob_page, "One more thing")
    assert marked.value.status == 204
    newest = Message.objects.filter(thread=question).latest("pk")
    follow = ThreadFollow.objects.get(user=alice.user, thread=question)
    assert follow.last_read_id == newest.pk
    alice_page.screenshot(path=ARTIFACTS / "thread-beside-the-room.png")

    # Close puts the room back, the keyboard on the thread's link.
    alice_page.locator(".thread-close").click()
    expect(alice_page.locator("#thread")).to_be_hidden()
    expect(alice_page).to_have_url(re.compile(r"/rooms/general/$"))
    expect(alice_page.locator(f"#message-{question.pk} a.thread-link")).to_be_focused()
    assert not any(page.errors for page in pages)


def test_also_send_to_the_room(open_page, general, alice, bob):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    send_message(alice_page, "Deploy at five?")
    expect(message_bodies(bob_page)).to_have_text(["Deploy at five?"])
    question = Message.objects.get()
    open_thread(alice_page, question)
    alice_page.locator("#thread-composer [name=also_send_to_room]").check()
    reply(alice_page, "Moved to six, everyone")

    expect(message_bodies(bob_page)).to_have_text(
        ["Deploy at five?", "Moved to six, everyone"]
    )
    in_room = bob_page.locator("#messages .message").nth(1)
    expect(in_room.locator("a.thread-link")).to_have_attribute(
        "href", f"/rooms/general/threads/{question.pk}/"
    )
    expect(thread_bodies(alice_page)).to_have_text(["Moved to six, everyone"])
    expect(reply_count(bob_page, question)).to_have_text("1")
    # The choice is not kept: the next reply stays in the thread.
    expect(
        alice_page.locator("#thread-composer [name=also_send_to_room]")
    ).not_to_be_checked()
    assert not alice_page.errors and not bob_page.errors


def test_a_thread_catches_up_after_its_socket_drops(open_page, general, alice, bob):
    question = general.post(alice.user, "Lunch?")
    alice_page = open_page(f"/rooms/general/threads/{question.pk}/", person=alice)
    join_room(alice_page)
    set_hidden(alice_page, True)  # htmx closes a hidden tab's socket
    expect(alice_page.locator("#connection")).not_to_have_attribute(
        "data-state", "open"
    )

    # Stored, not broadcast: only the catch-up can bring them.
    for text in ("Yes", "At noon"):
        general.post(bob.user, text, thread=question)
    general.post(bob.user, "Room news")

    set_hidden(alice_page, False)
    join_room(alice_page)
    expect(thread_bodies(alice_page)).to_have_text(["Yes", "At noon"])
    expect(reply_count(alice_page, question)).to_have_text("2")
    expect(message_bodies(alice_page)).to_have_text(["Lunch?", "Room news"])
    assert not alice_page.errors


def test_a_thread_on_a_phone(open_page, general, alice, bob):
    question = general.post(alice.user, "Standup moved?")
    general.post(bob.user, "To 10:15", thread=question)
    page = open_page(
        person=bob,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    join_room(page)
    open_thread(page, question)
    # The thread is the page: the room's log is a tap on Close away.
    expect(page.locator(".room-main")).to_be_hidden()
    expect(thread_bodies(page)).to_have_text(["To 10:15"])
    reply(page, "Thanks")
    expect(thread_bodies(page)).to_have_text(["To 10:15", "Thanks"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=ARTIFACTS / "thread-phone.png", full_page=True)
    page.locator(".thread-close").click()
    expect(page.locator(".room-main")).to_be_visible()
    assert not page.errors


def test_a_thread_without_javascript(open_page, general, alice, bob):
    question = general.post(alice.user, "Anyone?")
    page = open_page(person=bob, javascript=False)
    page.locator(f"#message-{question.pk} a.thread-link").click()
    expect(page).to_have_url(re.compile(rf"/threads/{question.pk}/$"))
    page.locator("#thread-composer-message").fill("Me")
    page.locator("#thread-composer input[type=file][name=attachments]").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"notes"}]
    )
    page.locator("#thread-composer button[type=submit]").click()
    reply_ = Message.objects.get(thread=question)
    expect(page).to_have_url(re.compile(rf"/threads/{question.pk}/#reply-{reply_.pk}$"))
    expect(thread_bodies(page)).to_have_text(["Me"])
    expect(page.locator(f"#reply-{reply_.pk} a.attachment-file")).to_contain_text(
        "notes.txt"
    )
    expect(reply_count(page, question)).to_have_text("1")
    expect(message_bodies(page)).to_have_text(["Anyone?"])
