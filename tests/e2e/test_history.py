"""History paging and permalinks in real Chromium, with and without JavaScript."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rooms.models import Message

from .conftest import join_room, message_bodies, send_message
from .test_chat import set_hidden

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(general, alice):
    # A minute apart, long ago: catch-up re-sends the newest few seconds.
    long_ago = timezone.now() - timedelta(days=1)
    messages = [
        Message.objects.create(room=general, author=alice.user, body=f"history {n}")
        for n in range(120)
    ]
    for n, message in enumerate(messages):
        message.created = long_ago + timedelta(minutes=n)
        message.save(update_fields=["created"])
    return messages


def scroll_to_top(page):
    page.locator(".messages-scroller").evaluate("e => e.scrollTop = -e.scrollHeight")


def test_scrolling_up_loads_older_pages_and_the_log_stays_live(
    open_page, history, alice, bob
):
    alice_page, bob_page = open_page(person=alice), open_page(person=bob)
    join_room(alice_page)
    join_room(bob_page)
    expect(message_bodies(bob_page)).to_have_count(50)
    loads = []
    bob_page.on("request", lambda request: loads.append(request.url))

    scroll_to_top(bob_page)
    # Under load the next page may follow at once; the loads below keep order.
    expect(
        message_bodies(bob_page).get_by_text("history 20", exact=True)
    ).to_have_count(1)
    scroll_to_top(bob_page)
    expect(message_bodies(bob_page)).to_have_count(120)
    expect(bob_page.locator("a.older")).to_have_count(0)
    assert [url for url in loads if "?before=" in url] == [
        f"{bob_page.url}?before={history[70].pk}",
        f"{bob_page.url}?before={history[20].pk}",
    ]

    send_message(alice_page, "live after paging")
    expect(message_bodies(bob_page).last).to_have_text("live after paging")

    set_hidden(bob_page, True)  # bob looks away; htmx closes the socket
    expect(bob_page.locator("#connection")).to_have_attribute(
        "data-state", "connecting"
    )
    send_message(alice_page, "while bob was away")
    expect(message_bodies(alice_page).last).to_have_text("while bob was away")
    set_hidden(bob_page, False)
    join_room(bob_page)
    expected = [f"history {n}" for n in range(120)]
    expected += ["live after paging", "while bob was away"]
    expect(message_bodies(bob_page)).to_have_text(expected)
    assert not bob_page.errors


def test_older_and_newer_links_work_without_javascript(open_page, history, alice, bob):
    reader = open_page(person=bob, javascript=False)
    reader.locator("a.older").click()
    expect(reader).to_have_url(re.compile(rf"\?before={history[70].pk}$"))
    expect(message_bodies(reader)).to_have_text([f"history {n}" for n in range(20, 70)])
    reader.locator("a.older").click()
    expect(message_bodies(reader).first).to_have_text("history 0")
    expect(reader.locator("a.older")).to_have_count(0)

    # Meanwhile alice talks; the pages of old history stay as they were.
    writer = open_page(person=alice)
    join_room(writer)
    send_message(writer, "said while bob read history")
    expect(message_bodies(writer).last).to_have_text("said while bob read history")

    reader.locator("a.newer").click()
    expect(message_bodies(reader).first).to_have_text("history 20")
    expect(message_bodies(reader).last).to_have_text("history 69")
    reader.get_by_role("link", name="Jump to the present").click()
    expect(message_bodies(reader).last).to_have_text("said while bob read history")
    expect(reader.locator("a.newer")).to_have_count(0)


@pytest.mark.parametrize("javascript", [True, False])
def test_permalink_opens_the_message_highlighted_in_view(
    open_page, history, alice, bob, javascript
):
    writer = open_page(person=alice)
    join_room(writer)
    target = history[30]
    reader = open_page(target.get_absolute_url(), person=bob, javascript=javascript)
    highlighted = reader.locator("#messages .message.is-highlighted")
    expect(highlighted).to_have_count(1)
    expect(highlighted.locator(".message-body")).to_have_text("history 30")
    expect(highlighted).to_be_in_viewport()

    # A page of old history has no socket; posting from it goes over HTTP
    # and lands in the present, under what others said meanwhile.
    send_message(writer, "alice meanwhile")
    expect(message_bodies(writer).last).to_have_text("alice meanwhile")
    reader.locator("#composer-message").fill("bob from the past")
    reader.get_by_role("button", name="Send").click()
    expect(reader).to_have_url(re.compile(r"/rooms/general/$"))
    expect(message_bodies(reader).last).to_have_text("bob from the past")
    expect(message_bodies(reader).nth(-2)).to_have_text("alice meanwhile")
    expect(message_bodies(writer).last).to_have_text("bob from the past")
    assert not reader.errors


# The message at the top of the log, and how far below the log's top edge.
TOP_VISIBLE = """() => {
  const top = document.querySelector(".messages-scroller").getBoundingClientRect().top;
  const message = [...document.querySelectorAll("#messages > .message")]
    .find((m) => m.getBoundingClientRect().bottom > top + 4);
  return [message.id, Math.round(message.getBoundingClientRect().top - top)];
}"""
WHERE = """([id, top]) => Math.round(
  document.getElementById(id).getBoundingClientRect().top
  - document.querySelector(".messages-scroller").getBoundingClientRect().top
)"""


def stayed(page, reading):
    """Whether the message read before is where it was, to a pixel or two."""
    return abs(page.evaluate(WHERE, reading) - reading[1]) <= 2


IN_VIEW = """(link) => {
  // Swapped away meanwhile: it was in view, and its page is loading.
  if (!link.isConnected) return true;
  const view = link.closest(".messages-scroller").getBoundingClientRect();
  const box = link.getBoundingClientRect();
  return box.bottom > view.top && box.top < view.bottom;
}"""


def scroll_until_in_view(page, link, by):
    """Scroll the log by steps until link shows; return the message at the top."""
    scroller = page.locator(".messages-scroller")
    for _ in range(100):
        scroller.evaluate(f"e => e.scrollBy(0, {by})")
        if page.locator(link).evaluate(IN_VIEW):
            return page.evaluate(TOP_VISIBLE)
    raise AssertionError(f"{link} never scrolled into view")


@pytest.fixture
def long_history(general, alice):
    long_ago = timezone.now() - timedelta(days=1)
    for n in range(331):
        message = Message.objects.create(
            room=general, author=alice.user, body=f"old {n}"
        )
        Message.objects.filter(pk=message.pk).update(
            created=long_ago + timedelta(minutes=n)
        )


def test_scrolling_up_loads_one_page_and_the_reader_stays_on_their_message(
    open_page, long_history, bob
):
    reader = open_page(person=bob)
    join_room(reader)
    expect(message_bodies(reader)).to_have_count(50)
    reading = scroll_until_in_view(reader, "a.older", -300)
    expect(message_bodies(reader)).to_have_count(100)
    # Still on the message they were reading, the next page's link above it.
    assert stayed(reader, reading)
    assert not reader.locator("a.older").evaluate(IN_VIEW)
    reading = scroll_until_in_view(reader, "a.older", -300)
    expect(message_bodies(reader)).to_have_count(150)
    assert stayed(reader, reading)
    assert not reader.errors


def test_a_permalink_without_its_fragment_opens_at_the_message_and_loads_newer(
    open_page, long_history, general, bob
):
    target = general.messages.get(body="old 100")
    reader = open_page(f"/rooms/general/?around={target.pk}", person=bob)
    highlighted = reader.locator("#messages .message.is-highlighted")
    expect(highlighted.locator(".message-body")).to_have_text("old 100")
    expect(highlighted).to_be_in_viewport()
    expect(message_bodies(reader)).to_have_count(50)  # old 75 to old 124
    reading = scroll_until_in_view(reader, "a.newer", 300)
    expect(message_bodies(reader)).to_have_count(100)
    expect(message_bodies(reader).last).to_have_text("old 174")
    assert stayed(reader, reading)
    assert not reader.errors
