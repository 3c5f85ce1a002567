"""Two people chatting in real Chromium, as they would."""

import re
import time

import pytest
from playwright.sync_api import expect

from rooms.models import Message

from ..conftest import ARTIFACTS, PASSWORD, sign_up
from .conftest import join_room, message_bodies, send_message, set_hidden

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<script>alert('xss')</script>",
    '<img src=x onerror="alert(1)">',
    '<svg onload="alert(1)"></svg>',
    '"><b hx-swap-oob="true" id="composer">owned</b>',
    '<hx-partial hx-target="#online" hx-swap="innerHTML">owned</hx-partial>',
    '<a href="javascript:alert(1)">click</a>',
    "{{ request.user }} {% csrf_token %}",
]


def test_two_people_chat_live(open_page, general, bob):
    alice_page = open_page("/accounts/signup/")
    alice_page.locator("#id_username").fill("alice")
    alice_page.locator("#id_password1").fill(PASSWORD)
    alice_page.locator("#id_password2").fill(PASSWORD)
    alice_page.get_by_role("button", name="Sign up").click()
    expect(alice_page).to_have_url(re.compile(r"/rooms/general/$"))
    join_room(alice_page)
    bob_page = open_page(person=bob)
    join_room(bob_page)
    expect(alice_page.locator("#online li")).to_have_text(["alice", "bob"])

    started = time.monotonic()
    send_message(alice_page, "hello bob")
    expect(message_bodies(bob_page)).to_have_text(["hello bob"])
    print(f"\nsend -> other tab: {(time.monotonic() - started) * 1000:.0f} ms")
    expect(alice_page.locator("#composer-message")).to_have_value("")
    expect(alice_page.locator("#composer-message")).to_be_focused()

    send_message(bob_page, "hi alice")
    expect(message_bodies(alice_page)).to_have_text(["hello bob", "hi alice"])
    mine = alice_page.locator("#messages article.message").first
    theirs = alice_page.locator("#messages article.message").last
    assert mine.evaluate("e => getComputedStyle(e).borderLeftColor") != theirs.evaluate(
        "e => getComputedStyle(e).borderLeftColor"
    )
    alice_page.screenshot(path=ARTIFACTS / "two-people-alice.png")
    assert not alice_page.errors and not bob_page.errors


def test_half_typed_text_survives_incoming_messages(open_page, general, alice, bob):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    composer = bob_page.locator("#composer-message")
    composer.fill("half-typed thought")
    composer.evaluate("e => e.setSelectionRange(4, 4)")
    for n in range(3):
        send_message(alice_page, f"interruption {n}")
    expect(message_bodies(bob_page)).to_have_count(3)
    expect(composer).to_have_value("half-typed thought")
    expect(composer).to_be_focused()
    assert composer.evaluate("e => [e.selectionStart, e.selectionEnd]") == [4, 4]


def test_text_typed_right_after_enter_survives_the_cleared_composer(
    open_page, general, alice
):
    page = open_page(person=alice)
    join_room(page)
    page.evaluate(
        """() => {
            const input = document.getElementById("composer-message");
            input.value = "first";
            document.getElementById("composer").requestSubmit();
            input.value = "first and more";  // typed before the server answers
        }"""
    )
    expect(message_bodies(page)).to_have_text(["first"])
    expect(page.locator("#composer-message")).to_have_value(" and more")


def test_a_huge_paste_is_refused_in_the_page_and_the_socket_stays_open(
    open_page, general, alice
):
    page = open_page(person=alice)
    join_room(page)
    send_message(page, "y" * 70_000)
    expect(page.locator("#composer-error")).to_contain_text("at most 5000 characters")
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    page.locator("#composer-message").fill("short")
    page.locator("#composer-message").press("Enter")
    expect(message_bodies(page)).to_have_text(["short"])


def test_anonymous_reader_reads_live_and_signs_in_inline(
    open_page, general, alice, bob
):
    reader = open_page()
    join_room(reader)
    expect(reader.locator("#composer")).to_have_count(0)
    alice_page = open_page(person=alice)
    join_room(alice_page)
    send_message(alice_page, "hello readers")
    expect(message_bodies(reader)).to_have_text(["hello readers"])

    reader.locator("#sign-in-username").fill("bob")
    reader.locator("#sign-in-password").fill(PASSWORD)
    with reader.expect_response("**/accounts/session/") as exchange:
        reader.locator("#sign-in").get_by_role("button", name="Sign in").click()
    assert exchange.value.status == 200
    expect(reader.locator(".account-name")).to_have_text("bob")
    expect(reader.locator("#composer-message")).to_be_focused()
    expect(alice_page.locator("#online li")).to_have_text(["alice", "bob"])
    send_message(reader, "bob here")
    expect(message_bodies(alice_page)).to_have_text(["hello readers", "bob here"])

    reader.reload()
    join_room(reader)
    expect(reader.locator(".account-name")).to_have_text("bob")
    expect(reader.locator("#composer")).to_be_visible()


def test_javascript_off_person_signs_in_and_posts(
    open_page, general, alice, transactional_db
):
    sign_up("carol")
    watcher = open_page(person=alice)
    join_room(watcher)
    page = open_page("/accounts/login/?next=/rooms/general/", javascript=False)
    page.locator("#id_username").fill("carol")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#composer-message").fill("sent without javascript")
    page.get_by_role("button", name="Send").click()
    expect(message_bodies(page)).to_have_text(["sent without javascript"])
    expect(message_bodies(watcher)).to_have_text(["sent without javascript"])


def test_javascript_off_person_signs_up_finds_rooms_and_signs_out(open_page, general):
    page = open_page("/accounts/signup/", javascript=False)
    page.locator("#id_username").fill("dora")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/rooms/general/$"))
    expect(page.locator(".account-name")).to_have_text("dora")
    page.locator("#composer-message").fill("plain forms all the way")
    page.get_by_role("button", name="Send").click()
    expect(message_bodies(page)).to_have_text(["plain forms all the way"])

    page.get_by_role("link", name="Chat", exact=True).click()
    page.locator('#rooms [data-room="general"] a').click()
    expect(message_bodies(page)).to_have_text(["plain forms all the way"])
    page.locator("#account").get_by_role("button", name="Sign out").click()
    expect(page.locator("#account")).to_contain_text("Sign in")
    page.locator('#rooms [data-room="general"] a').click()
    expect(message_bodies(page)).to_have_text(["plain forms all the way"])
    expect(page.locator("#sign-in")).to_be_visible()


def test_hidden_tab_catches_up_exactly_once_in_order(open_page, general, alice, bob):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    send_message(alice_page, "before")
    expect(message_bodies(bob_page)).to_have_text(["before"])

    set_hidden(bob_page, True)  # htmx closes a hidden tab's socket
    expect(bob_page.locator("#connection")).to_have_attribute(
        "data-state", "connecting"
    )
    for n in range(3):
        send_message(alice_page, f"while away {n}")
    expect(message_bodies(alice_page)).to_have_count(4)
    set_hidden(bob_page, False)
    join_room(bob_page)
    expected = ["before", "while away 0", "while away 1", "while away 2"]
    expect(message_bodies(bob_page)).to_have_text(expected)
    # Closed on purpose, not lost: nothing to announce on return.
    expect(bob_page.locator("#connection")).to_have_text("Live", use_inner_text=True)


def test_restarted_server_is_caught_up_without_a_reload(
    open_page, chat_server, general, alice, bob
):
    bob_page = open_page(person=bob)
    join_room(bob_page)
    banner = bob_page.locator("#connection")
    chat_server.stop()
    expect(banner).to_have_attribute("data-state", "closed")
    expect(banner).to_have_text("Connection lost. Reconnecting…", use_inner_text=True)
    bob_page.screenshot(path=ARTIFACTS / "connection-lost.png")
    for n in range(3):  # as another web process would store them meanwhile
        Message.objects.create(
            room=general, author=alice.user, body=f"during restart {n}"
        )
    chat_server.start()
    join_room(bob_page)
    expect(banner).to_have_text("Reconnected", use_inner_text=True)
    expected = [f"during restart {n}" for n in range(3)]
    expect(message_bodies(bob_page)).to_have_text(expected)
    expect(banner).to_have_text("Live", use_inner_text=True)  # after a moment


def test_markup_is_shown_literally_and_runs_nothing(open_page, general, alice, bob):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    dialogs = []
    bob_page.on(
        "dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss())
    )
    for payload in PAYLOADS:
        send_message(alice_page, payload)
    expect(message_bodies(bob_page)).to_have_text(PAYLOADS)
    expect(bob_page.locator("#online li")).to_have_text(["alice", "bob"])
    expect(bob_page.locator("#composer")).to_be_visible()
    assert (
        bob_page.locator(
            "#messages img:not(.avatar), #messages svg, #messages script,"
            " #messages a:not(.message-avatar, .message-author, .message-edit,"
            " .message-delete, .thread-link)"
        ).count()
        == 0
    )
    assert bob_page.locator("#messages img.avatar").count() == len(PAYLOADS)
    assert dialogs == [] and bob_page.errors == []


def test_signing_out_closes_the_other_tabs_socket(
    open_page, browser, chat_server, general, alice
):
    first = open_page(person=alice)
    second = first.context.new_page()
    second.goto(chat_server.url + "/rooms/general/")
    join_room(first)
    join_room(second)
    first.locator("#account").get_by_role("button", name="Sign out").click()
    expect(first.locator("#sign-in")).to_be_visible()
    expect(first.locator("#sign-in-username")).to_be_focused()
    expect(first.locator("#connection")).to_have_attribute("data-state", "open")
    expect(second.locator("#connection")).to_have_attribute("data-state", "closed")
    # The refusal says why and what to do; the banner adds nothing.
    expect(second.locator("#connection")).to_be_hidden()
    expect(second.locator("#controls")).to_contain_text("You signed out.")
    expect(second.locator("#composer")).to_have_count(0)
    expect(second.locator("#account")).to_contain_text("Sign in")


def test_the_log_opens_at_the_newest_and_follows_only_a_reader_at_the_bottom(
    open_page, general, alice, bob
):
    for n in range(40):
        Message.objects.create(room=general, author=alice.user, body=f"history {n}")
    without_js = open_page(javascript=False)
    expect(message_bodies(without_js).last).to_be_in_viewport()
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    expect(message_bodies(bob_page).last).to_be_in_viewport()

    send_message(alice_page, "newest")
    expect(message_bodies(bob_page).last).to_have_text("newest")
    expect(message_bodies(bob_page).last).to_be_in_viewport()

    bob_page.locator(".messages-scroller").evaluate(
        "e => e.scrollTop = -e.scrollHeight"
    )
    expect(message_bodies(bob_page).first).to_be_in_viewport()
    send_message(alice_page, "while bob reads history")
    expect(message_bodies(bob_page).last).to_have_text("while bob reads history")
    expect(message_bodies(bob_page).first).to_be_in_viewport()
