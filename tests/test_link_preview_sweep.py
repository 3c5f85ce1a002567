"""The link previews' sweep in this process, with no server beside it to
claim the same messages: what it claims, its per-site rate, a message
deleted while its pages were read, and posting left as it was."""

import asyncio
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils.timezone import now

from rooms.models import LinkPreview, Message, SweepCursor
from rooms.sweeps import link_pages, previews
from site_config import lifespan

from .files import picture
from .link_sites import Site, page

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_message_posted_without_links_asks_nothing_more(
    general, alice, django_assert_num_queries
):
    message = general.post(alice.user, "no links here, just words")
    with django_assert_num_queries(0):
        render_to_string("rooms/room.html#message-posted", {"messages": [message]})


def test_the_first_round_claims_the_last_minutes_messages(general, alice):
    old = general.post(alice.user, "https://old.example/")
    Message.objects.filter(pk=old.pk).update(created=now() - timedelta(minutes=2))
    new = general.post(alice.user, "https://new.example/")
    assert previews.claim_next_links() == [(new.pk, ["https://new.example/"])]


def test_only_messages_with_links_are_claimed_three_links_each(general, alice):
    SweepCursor.make_if_new("previews")
    links = " ".join(f"https://site{n}.example/" for n in range(5))
    plain = general.post(alice.user, "just words")
    linked = general.post(alice.user, f"many: {links}")
    coded = general.post(alice.user, "`https://in.code.example/`")
    claimed = previews.claim_next_links()
    assert claimed == [(linked.pk, [f"https://site{n}.example/" for n in range(3)])]
    cursor = SweepCursor.objects.get(name="previews")
    assert cursor.last_message_id == coded.pk > plain.pk


@override_settings(
    LINK_PREVIEW_ALLOW_PRIVATE=True,
    LINK_PREVIEW_TIMEOUT_SECONDS=2,
    LINK_PREVIEW_SITE_RATE_LIMIT=(2, 60),
)
def test_a_site_is_asked_at_most_its_rate(general, alice):
    previews.sites.events.clear()
    with Site() as site:
        urls = [site.url(f"/page{n}") for n in range(3)]
        for n in range(3):
            site.serve(f"/page{n}", page(f"Page {n}"))
        message = general.post(alice.user, " ".join(urls))
        asyncio.run(previews.preview(message.pk, urls))
        assert sum(site.hits.values()) == 2
    assert LinkPreview.objects.filter(message=message).count() == 2


def test_a_message_deleted_while_read_gets_no_preview(general, alice):
    message = general.post(alice.user, "https://gone.example/")
    shrunk = picture((20, 20))
    upload = link_pages.uploads.Upload("p.png", "image/png", shrunk, None, 20, 20)
    found = link_pages.Page("https://gone.example/", "Gone", "", upload)
    message.remove(by=alice.user)
    before = stored_pictures()
    previews.show(message.pk, [found])
    assert not LinkPreview.objects.exists()
    assert stored_pictures() == before  # its picture written, then deleted


def stored_pictures():
    if not default_storage.exists("previews"):
        return set()
    return set(default_storage.listdir("previews")[1])


def test_previews_off_starts_no_sweep():
    with override_settings(LINK_PREVIEWS=False):
        assert previews.sweep not in lifespan.sweeps()
    with override_settings(LINK_PREVIEWS=True):
        assert previews.sweep in lifespan.sweeps()


def test_deleting_a_message_deletes_its_previews_and_pictures(general, alice):
    message = general.post(alice.user, "https://kept.example/")
    upload = link_pages.uploads.Upload("p.png", "image/png", picture(), None, 40, 30)
    found = link_pages.Page("https://kept.example/", "Kept", "", upload)
    previews.show(message.pk, [found])
    preview = LinkPreview.objects.get(message=message)
    assert default_storage.exists(preview.image.name)
    message.remove(by=alice.user)
    assert not LinkPreview.objects.exists()
    assert not default_storage.exists(preview.image.name)
