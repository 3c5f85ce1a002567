"""Link previews: read once by a real server from a loopback site, shown
live and on catch-up, removed by their author, served by the chat."""

import pytest
from asgiref.sync import sync_to_async
from django.core.files.storage import default_storage
from django.test import Client

from rooms.models import LinkPreview, Message, Room

from .conftest import sign_up, start_chat_server
from .files import picture
from .link_sites import Site, page, wait_for
from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def chat_server(django_db_setup, django_db_blocker):
    server = start_chat_server(
        "link-previews",
        django_db_blocker,
        LINK_PREVIEW_ALLOW_PRIVATE="1",
        LINK_PREVIEW_SWEEP_SECONDS="0.1",
        LINK_PREVIEW_TIMEOUT_SECONDS="2",
        LINK_PREVIEW_SITE_RATE_LIMIT="1000/60",
    )
    yield server
    server.stop()


@pytest.fixture
def site(general):
    with Site() as site:
        site.serve("/walks", page("Walks", "Five routes", image="/hills.png"))
        site.serve("/hills.png", picture((800, 600)), "image/png")
        yield site


def preview_of(message):
    wait_for(lambda: LinkPreview.objects.filter(message=message).exists())
    return LinkPreview.objects.get(message=message)


async def test_a_link_is_read_once_and_its_preview_reaches_every_tab(
    chat_server, site, alice, bob
):
    url = site.url("/walks")
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=bob) as b,
        open_tab(chat_server) as c,
    ):
        tabs = [Tab(a), Tab(b), Tab(c)]
        await tabs[1].expect("bob joined")
        await tabs[0].send(action="send", message=f"for Saturday: {url}")
        for tab in tabs:
            await tab.expect("for Saturday")
        for tab in tabs:
            frames = await tab.expect('class="link-preview-title"')
            assert f'href="{url}"' in frames
            assert 'hx-swap="outerHTML"' in frames  # as an edit is shown
        await tabs[0].listen(0.5)
    assert (site.hits["/walks"], site.hits["/hills.png"]) == (1, 1)
    message = await Message.objects.aget(body__startswith="for Saturday")
    room = await Room.objects.aget(pk=message.room_id)
    assert message.revision == room.revision > 0


async def test_a_tab_that_was_away_catches_up_on_the_preview(chat_server, site, alice):
    message = await sync_to_async(site_message)(alice, site.url("/walks"))
    await sync_to_async(preview_of)(message)
    cursor = f"{message.pk}&revision=0"
    async with open_tab(chat_server, after=cursor) as ws:
        frames = await Tab(ws).expect("link-preview-description")
    assert "Five routes" in frames


def site_message(person, url):
    general = Room.objects.get(slug="general")
    return general.post(person.user, f"look: {url}")


def test_the_picture_is_the_chats_own_for_readers_only(chat_server, site, alice):
    message = site_message(alice, site.url("/walks"))
    preview = preview_of(message)
    reader = Client()
    reader.force_login(alice.user)
    answer = reader.get(f"/previews/{preview.pk}/image/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/png"
    assert answer["X-Content-Type-Options"] == "nosniff"
    # Its own copy, shrunk: not the site's 800 × 600 bytes.
    assert b"".join(answer.streaming_content) != picture((800, 600))
    secret = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    secret.members.add(alice.user)
    hidden = secret.post(alice.user, f"also: {site.url('/walks')}")
    hidden_preview = preview_of(hidden)
    outsider = Client()
    outsider.force_login(sign_up("eve").user)
    assert outsider.get(f"/previews/{hidden_preview.pk}/image/").status_code == 404


async def test_the_author_removes_a_preview_live_and_others_may_not(
    chat_server, site, alice, bob
):
    message = await sync_to_async(site_message)(alice, site.url("/walks"))
    preview = await sync_to_async(preview_of)(message)
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=bob) as b,
    ):
        author, other = Tab(a), Tab(b)
        await other.expect("bob joined")
        frame = {"message_id": message.pk, "preview_id": preview.pk}
        await other.send(action="remove-preview", **frame)
        await other.expect("You may not change that message.")
        assert await LinkPreview.objects.filter(pk=preview.pk).aexists()
        author.seen = other.seen = ""
        await author.send(action="remove-preview", **frame)
        changed = await other.expect(f'id="message-{message.pk}"')
    assert "link-preview" not in changed.split(f'id="message-{message.pk}"')[1]
    assert not await LinkPreview.objects.filter(pk=preview.pk).aexists()
    assert not default_storage.exists(preview.image.name)


def test_without_javascript_the_author_or_staff_remove_a_preview(
    chat_server, site, alice, bob
):
    first = preview_of(site_message(alice, site.url("/walks")))
    site.serve("/again", page("Again"))
    second = preview_of(site_message(alice, site.url("/again")))
    path = f"/previews/{first.pk}/remove/"
    author, other, staff = Client(), Client(), Client()
    author.force_login(alice.user)
    other.force_login(bob.user)
    moderator = sign_up("mod").user
    moderator.is_staff = True
    moderator.save()
    staff.force_login(moderator)
    assert other.post(path).status_code == 403
    assert b"Remove this link" in author.get(path).content
    assert author.post(path).status_code == 302
    assert staff.post(f"/previews/{second.pk}/remove/").status_code == 302
    assert not LinkPreview.objects.exists()
