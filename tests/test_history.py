"""History paging and permalinks over plain HTTP."""

import re

import pytest
from django.contrib.auth import get_user_model

from rooms.models import PAGE_SIZE, MessageQuerySet, Room

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def general():
    room, _ = Room.objects.get_or_create(slug="general", defaults={"name": "general"})
    return room


@pytest.fixture
def history(general):
    """Return 120 messages in general, oldest first."""
    author = get_user_model().objects.create_user("alice", password=PASSWORD)
    return [
        general.messages.create(author=author, body=f"history {n}") for n in range(120)
    ]


def shown_ids(page):
    return [int(pk) for pk in re.findall(r'id="message-(\d+)"', page)]


def test_a_message_posted_while_the_page_is_drawn_still_leaves_it_live(
    client, history, general, monkeypatch
):
    """In a busy room someone posts between reading the latest page and
    asking what is newer; the page must still open its socket, which
    catches up on that message, rather than offer "Newer messages"."""
    read_latest_page = MessageQuerySet.latest_page

    def someone_posts_meanwhile(self, size):
        page = read_latest_page(self, size)
        general.messages.create(author=history[0].author, body="meanwhile")
        return page

    monkeypatch.setattr(MessageQuerySet, "latest_page", someone_posts_meanwhile)
    page = client.get("/rooms/general/").content.decode()
    assert shown_ids(page)[-1] == history[-1].pk
    assert f'hx-ws:connect="/ws/rooms/general/?after={history[-1].pk}&amp;' in page
    assert 'class="newer"' not in page


def test_room_opens_at_the_latest_page_with_a_link_to_older(client, history):
    page = client.get("/rooms/general/").content.decode()
    assert shown_ids(page) == [m.pk for m in history[-PAGE_SIZE:]]
    older = f"/rooms/general/?before={history[-PAGE_SIZE].pk}"
    assert f'<a class="older" href="{older}"' in page
    assert f'hx-get="{older}" hx-trigger="revealed"' in page
    assert 'class="newer"' not in page
    socket_url = f"/ws/rooms/general/?after={history[-1].pk}&amp;revision=0&amp;lang=en"
    assert f'hx-ws:connect="{socket_url}"' in page


def test_older_link_without_javascript_opens_the_page_before(client, history):
    page = client.get(f"/rooms/general/?before={history[-PAGE_SIZE].pk}")
    page = page.content.decode()
    assert shown_ids(page) == [m.pk for m in history[-2 * PAGE_SIZE : -PAGE_SIZE]]
    assert f'href="/rooms/general/?before={history[-2 * PAGE_SIZE].pk}"' in page
    newer = f"/rooms/general/?after={history[-PAGE_SIZE - 1].pk}"
    assert f'class="newer" href="{newer}"' in page
    assert "Jump to the present" in page


def test_a_page_of_older_history_opens_no_socket(client, history):
    page = client.get(f"/rooms/general/?before={history[-PAGE_SIZE].pk}")
    page = page.content.decode()
    # Live messages would land under an old page, so there is no socket.
    assert "hx-ws:connect" not in page
    assert "hx-ws.js" not in page


def test_newer_link_returns_to_the_latest_page_and_its_socket(client, history):
    page = client.get(f"/rooms/general/?after={history[-PAGE_SIZE - 1].pk}")
    page = page.content.decode()
    assert shown_ids(page) == [m.pk for m in history[-PAGE_SIZE:]]
    assert 'class="newer"' not in page
    assert f"?after={history[-1].pk}" in page


def test_the_oldest_page_has_no_older_link(client, history):
    page = client.get(f"/rooms/general/?before={history[PAGE_SIZE].pk}")
    page = page.content.decode()
    assert shown_ids(page) == [m.pk for m in history[:PAGE_SIZE]]
    assert 'class="older"' not in page


def test_scrolling_loads_only_the_older_fragment(client, history):
    response = client.get(
        f"/rooms/general/?before={history[-PAGE_SIZE].pk}",
        headers={"HX-Request": "true"},
    )
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert shown_ids(fragment) == [m.pk for m in history[-2 * PAGE_SIZE : -PAGE_SIZE]]
    assert fragment.index('class="older"') < fragment.index('hx-swap="upsert"')
    assert "HX-Request" in response["Vary"]


def test_permalink_opens_around_the_message_highlighted(client, history):
    target = history[30]
    assert target.get_absolute_url() == (
        f"/rooms/general/?around={target.pk}#message-{target.pk}"
    )
    page = client.get(f"/rooms/general/?around={target.pk}").content.decode()
    ids = shown_ids(page)
    assert ids == [m.pk for m in history[5:55]]
    assert f'id="message-{target.pk}" class="message is-highlighted"' in page
    assert page.count("is-highlighted") == 1
    assert 'class="older"' in page and 'class="newer"' in page


def test_permalink_to_a_recent_message_is_the_live_page(client, history):
    target = history[-3]
    page = client.get(f"/rooms/general/?around={target.pk}").content.decode()
    assert shown_ids(page)[-1] == history[-1].pk
    assert f"?after={history[-1].pk}" in page
    assert f'id="message-{target.pk}" class="message is-highlighted"' in page


def test_permalink_to_a_message_of_another_room_is_404(client, history):
    Room.objects.create(name="random", slug="random")
    assert client.get(f"/rooms/random/?around={history[0].pk}").status_code == 404


@pytest.mark.parametrize("query", ["before=x", "around=-1", "after=9" * 30])
def test_nonsense_cursors_are_404(client, general, query):
    assert client.get(f"/rooms/general/?{query}").status_code == 404


def test_a_cursor_past_either_end_opens_the_latest(client, history):
    page = client.get(f"/rooms/general/?after={history[-1].pk}").content.decode()
    assert shown_ids(page) == [m.pk for m in history[-PAGE_SIZE:]]
