"""Who is typing, and a log that lets a reader scroll up, in real Chromium."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from rooms.models import Message

from ..conftest import ARTIFACTS, sign_up
from .conftest import join_room, message_bodies, send_message
from .test_chat import set_hidden

# What a browser does while typing and scrolling: one of tests/run's two runs.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.one_run("postgres"),
]

# The typing line as drawn: the names shown plus the words chat.css adds.
TYPING_LINE = """() => {
    const typing = document.getElementById("typing");
    const generated = (element, pseudo) => {
        const content = getComputedStyle(element, pseudo).content;
        return content.startsWith('"') ? JSON.parse(content) : "";
    };
    const names = [...typing.children]
        .filter((name) => getComputedStyle(name).display !== "none")
        .map((name) => generated(name, "::before") + name.textContent);
    return (names.join("") + generated(typing, "::after")).trim();
}"""


def typing_line(page):
    return page.evaluate(TYPING_LINE)


def expect_typing_line(page, expected):
    try:
        page.wait_for_function(
            f"expected => ({TYPING_LINE})() === expected", arg=expected
        )
    except PlaywrightTimeout:
        assert typing_line(page) == expected


def type_into_composer(page, text):
    page.locator("#composer-message").press_sequentially(text)


def watch_typing_reports(page):
    """Record, in the page, whether each typing report was sent or cancelled."""
    # Added after typing.js's listener, so it sees that listener's decision.
    page.evaluate(
        """() => {
            window.typingReports = [];
            document.addEventListener("htmx:ws:before:message:outgoing", (event) => {
                if (event.detail.message.values.action !== "typing") return;
                typingReports.push(event.detail.cancelled ? "cancelled" : "sent");
            });
        }"""
    )


def test_typing_shows_to_the_others_together_and_ends_with_the_message(
    open_page, general, alice, bob
):
    carol = sign_up("carol")
    alice_page = open_page(person=alice)
    bob_page, carol_page = open_page(person=bob), open_page(person=carol)
    for page in (alice_page, bob_page, carol_page):
        join_room(page)

    type_into_composer(alice_page, "hello")
    expect_typing_line(carol_page, "alice is typing…")
    expect_typing_line(bob_page, "alice is typing…")
    type_into_composer(bob_page, "hi")
    expect_typing_line(carol_page, "alice and bob are typing…")
    # Alice's own report came before bob's: she sees only his.
    expect_typing_line(alice_page, "bob is typing…")
    typing = carol_page.locator("#typing")
    expect(typing).to_have_attribute("aria-hidden", "true")
    assert typing.evaluate("e => e.closest('[aria-live], [role=log]')") is None
    carol_page.screenshot(path=ARTIFACTS / "typing-carol.png")

    alice_page.locator("#composer-message").press("Enter")
    expect(message_bodies(carol_page)).to_have_text(["hello"])
    # Long before it would expire: her message took her name off.
    expect(carol_page.locator("#typing .typist")).to_have_text(["bob"], timeout=2000)
    # Bob stopped: his notice goes by itself.
    expect_typing_line(carol_page, "")
    expect_typing_line(alice_page, "")

    # Sent within the throttle's 2 s: its last report comes after Enter.
    watch_typing_reports(alice_page)
    type_into_composer(alice_page, "bye")
    alice_page.locator("#composer-message").press("Enter")
    expect(message_bodies(carol_page)).to_have_text(["hello", "bye"])
    alice_page.wait_for_function("() => typingReports.length === 2")
    assert alice_page.evaluate("typingReports") == ["sent", "cancelled"]
    expect_typing_line(carol_page, "")


def test_the_typing_line_does_not_linger_for_someone_who_was_away(
    open_page, general, alice, bob
):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    type_into_composer(alice_page, "a long thought")
    expect_typing_line(bob_page, "alice is typing…")

    set_hidden(bob_page, True)  # htmx closes a hidden tab's socket
    expect(bob_page.locator("#connection")).to_have_attribute(
        "data-state", "connecting"
    )
    alice_page.locator("#composer-message").press("Enter")
    expect(message_bodies(alice_page)).to_have_text(["a long thought"])
    # Typing while the socket is closed reports nothing: it would be stale.
    watch_typing_reports(bob_page)
    type_into_composer(bob_page, "typed while away")
    bob_page.wait_for_function("() => typingReports.length === 1")
    assert bob_page.evaluate("typingReports") == ["cancelled"]
    set_hidden(bob_page, False)
    join_room(bob_page)
    expect(message_bodies(bob_page)).to_have_text(["a long thought"])
    # Checked at once: a stale notice would still be within its lifetime.
    assert typing_line(bob_page) == ""
    # Live again, bob hears her next report.
    alice_page.locator("#composer-message").press_sequentially(" more")
    expect_typing_line(bob_page, "alice is typing…")


def test_a_reader_scrolled_up_is_offered_the_way_to_the_newest(
    open_page, general, alice, bob
):
    for n in range(40):
        Message.objects.create(room=general, author=alice.user, body=f"history {n}")
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    jump = bob_page.get_by_role("button", name="Jump to newest")
    scroller = bob_page.locator(".messages-scroller")

    send_message(alice_page, "while bob is at the bottom")
    expect(message_bodies(bob_page).last).to_have_text("while bob is at the bottom")
    expect(message_bodies(bob_page).last).to_be_in_viewport()
    expect(jump).to_be_hidden()

    scroller.evaluate("e => e.scrollTop = -e.scrollHeight")
    send_message(alice_page, "while bob reads history")
    expect(jump).to_be_visible()
    expect(message_bodies(bob_page).last).to_have_text("while bob reads history")
    expect(message_bodies(bob_page).last).not_to_be_in_viewport()
    expect(message_bodies(bob_page).first).to_be_in_viewport()
    bob_page.screenshot(path=ARTIFACTS / "jump-to-newest.png")

    jump.focus()  # the keyboard's way: Tab to it, then Enter
    bob_page.keyboard.press("Enter")
    expect(message_bodies(bob_page).last).to_be_in_viewport()
    expect(jump).to_be_hidden()
    expect(scroller).to_be_focused()

    scroller.evaluate("e => e.scrollTop = -e.scrollHeight")
    send_message(alice_page, "once more")
    expect(jump).to_be_visible()
    scroller.evaluate("e => e.scrollTop = 0")  # scrolling down by hand
    expect(jump).to_be_hidden()


def test_your_own_message_takes_you_down_to_it_and_a_too_long_error_goes(
    open_page, general, alice
):
    for n in range(40):
        Message.objects.create(room=general, author=alice.user, body=f"history {n}")
    page = open_page(person=alice)
    join_room(page)
    page.locator(".messages-scroller").evaluate("e => e.scrollTop = -e.scrollHeight")
    send_message(page, "sent from up here")
    expect(message_bodies(page).last).to_have_text("sent from up here")
    expect(message_bodies(page).last).to_be_in_viewport()
    expect(page.get_by_role("button", name="Jump to newest")).to_be_hidden()

    composer = page.locator("#composer-message")
    composer.fill("x" * 5001)
    composer.press("Enter")
    expect(page.locator("#composer-error")).to_contain_text("Too long to send")
    composer.fill("")
    composer.press_sequentially("short")
    expect(page.locator("#composer-error")).to_have_text("")


def test_the_typing_line_reads_right_for_any_number_of_typists(
    open_page, general, alice
):
    page = open_page(person=alice)
    join_room(page)
    names = ["bob", "carol", "dave", "erin"]
    lines = [
        "bob is typing…",
        "bob and carol are typing…",
        "bob, carol and dave are typing…",
        "Several people are typing…",
    ]
    for count, line in enumerate(lines, start=1):
        # The markup the server's typing-update puts in #typing, one per name.
        page.evaluate(
            """names => document.getElementById("typing").replaceChildren(
                ...names.map((name, n) => Object.assign(
                    document.createElement("span"),
                    {id: `typist-${n + 10}`, className: "typist", textContent: name},
                ))
            )""",
            names[:count],
        )
        assert typing_line(page) == line
