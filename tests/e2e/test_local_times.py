"""Times in the reader's own zone, and a divider for each of their days."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import audit
from rooms.models import Message

from .conftest import join_room, send_message, set_hidden

# What a browser does with times: one of tests/run's two runs.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.one_run("sqlite")]

# UTC+14: most of the day its date is not the server's (UTC) date.
ZONE = "Pacific/Kiritimati"
IN_KIRITIMATI = {"timezone_id": ZONE, "locale": "en-GB"}


def said(room, person, body, days_ago):
    """Store a message as if said days_ago, at this time of day."""
    message = room.post(person.user, body)
    created = timezone.now() - timedelta(days=days_ago)
    Message.objects.filter(pk=message.pk).update(created=created)
    return created


def dividers(page):
    return page.locator("#messages .day-divider")


def local(at, pattern):
    return at.astimezone(ZoneInfo(ZONE)).strftime(pattern)


def test_times_and_days_are_the_readers_live_and_caught_up(
    open_page, general, alice, bob
):
    long_ago = said(general, bob, "three days back", days_ago=3)
    yesterday = said(general, bob, "the day before", days_ago=1)
    alice_page = open_page(person=alice, **IN_KIRITIMATI)
    bob_page = open_page(person=bob, **IN_KIRITIMATI)
    join_room(alice_page)
    join_room(bob_page)
    long_ago_day = long_ago.astimezone(ZoneInfo(ZONE))
    expect(dividers(alice_page)).to_have_text(
        [f"{long_ago_day:%A}, {long_ago_day.day} {long_ago_day:%B %Y}", "Yesterday"]
    )
    # Another day's time says which: "3 Dec, 09:51".
    times = alice_page.locator("#messages .message-time")
    expect(times).to_have_text(
        [
            re.compile(rf"^{local(at, '%-d')} \w+, {local(at, '%H:%M')}$")
            for at in (long_ago, yesterday)
        ]
    )

    # Live: today's first message brings today's divider; the next does not.
    send_message(bob_page, "good morning")
    expect(dividers(alice_page)).to_have_count(3)
    expect(dividers(alice_page).last).to_have_text("Today")
    send_message(bob_page, "still morning")
    expect(alice_page.locator("#messages .message")).to_have_count(4)
    expect(dividers(alice_page)).to_have_count(3)
    now = Message.objects.latest("pk").created
    expect(times.last).to_have_text(local(now, "%H:%M"))

    # Caught up on coming back: drawn the same way.
    set_hidden(alice_page, True)
    expect(alice_page.locator("#connection")).not_to_have_attribute(
        "data-state", "open"
    )
    send_message(bob_page, "while alice was away")
    set_hidden(alice_page, False)
    expect(alice_page.locator("#messages")).to_contain_text("while alice was away")
    expect(dividers(alice_page)).to_have_count(3)
    assert alice_page.errors == []


def test_without_javascript_the_days_and_times_are_utc_and_say_so(
    open_page, general, alice, bob
):
    yesterday = said(general, bob, "the day before", days_ago=1)
    page = open_page(person=alice, javascript=False, **IN_KIRITIMATI)
    expect(dividers(page)).to_have_text(
        [f"{yesterday:%A} {yesterday.day} {yesterday:%B %Y} (times in UTC)"]
    )
    expect(page.locator("#messages .message-time")).to_have_text(f"{yesterday:%H:%M}")


def test_the_people_pages_times_are_the_administrators_own(
    open_page, general, alice, bob
):
    alice.user.is_staff = alice.user.is_superuser = True
    alice.user.save()
    audit.record(alice.user, "deactivated", bob.user)
    page = open_page("/people/", person=alice, **IN_KIRITIMATI)
    logged = page.locator("#administration-log time").first
    expect(logged).to_have_attribute("title", re.compile(r"\d"))
    assert "UTC" not in logged.text_content()
    at = timezone.now()
    assert local(at, "%H:") in logged.text_content()
