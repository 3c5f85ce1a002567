"""Edits, deletions and reactions: over the socket, over HTTP, in the admin."""

import asyncio
import contextlib

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from rooms.live import broadcast, events
from rooms.messages import changes
from rooms.models import Message, Room

from .conftest import PASSWORD
from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


def at_cursor(message, revision):
    """Return the ?after= of a page that showed message, at this revision."""
    return f"{message.pk}&revision={revision}"


async def test_an_edit_of_a_message_already_sent_is_sent_again(
    chat_server, general, alice, bob
):
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=bob) as b,
    ):
        author, reader = Tab(a), Tab(b)
        await reader.expect("bob joined")
        await author.send(action="send", message="draft one")
        await reader.expect("draft one")
        message = await Message.objects.aget(body="draft one")
        await author.send(action="edit", message_id=message.pk, message="draft two")
        frames = await reader.expect("draft two")
        assert f'hx-target="#message-{message.pk}" hx-swap="outerHTML"' in frames
        assert 'class="message-edited"' in frames


async def test_a_page_reopened_with_its_old_cursor_gets_the_changes(
    chat_server, general, alice, bob
):
    edited, deleted, untouched = [
        await general.messages.acreate(author=alice.user, body=body)
        for body in ("before the edit", "soon gone", "untouched")
    ]
    await sync_to_async(changes.edit)(edited, alice.user, "after the edit")
    await sync_to_async(changes.delete)(deleted, alice.user)
    await sync_to_async(changes.react)(untouched, bob.user, "🎉")
    async with open_tab(chat_server, after=at_cursor(untouched, 0)) as ws:
        frames = await Tab(ws).expect(r"🎉 <span class=\"reaction-count\">1<")
    assert "after the edit" in frames
    assert f'id="message-{deleted.pk}" class="message message-deleted"' in frames
    assert "soon gone" not in frames
    # Up to date: no change is sent again (recent messages are, by id).
    async with open_tab(chat_server, after=at_cursor(untouched, 3)) as ws:
        tab = Tab(ws)
        await tab.listen(0.5)
    assert 'hx-swap="outerHTML"' not in tab.seen


async def test_a_change_the_layer_dropped_still_arrives(chat_server, general, alice):
    message = await general.messages.acreate(author=alice.user, body="as written")
    async with open_tab(chat_server, after=at_cursor(message, 0)) as ws:
        reader = Tab(ws)
        # Stored but never broadcast, as when the layer drops it.
        await sync_to_async(message.edit)("as corrected", by=alice.user)
        await reader.expect("as corrected", timeout=5)  # the heartbeat, every 1 s


async def test_only_the_author_edits_and_only_staff_delete_others(
    chat_server, general, alice, bob
):
    message = await general.messages.acreate(author=alice.user, body="alice's")
    async with open_tab(chat_server, person=bob) as ws:
        tab = Tab(ws)
        await tab.expect("bob joined")
        await tab.send(action="edit", message_id=message.pk, message="bob's now")
        await tab.expect("You may not change that message.")
        await tab.send(action="delete", message_id=message.pk)
        refused = "You may not change that message."
        await tab.expect(f"{refused}(?s:.*){refused}")
    await message.arefresh_from_db()
    assert (message.body, message.deleted, message.revision) == ("alice's", None, 0)


async def test_bad_change_requests_are_not_understood(chat_server, general, alice):
    message = await general.messages.acreate(author=alice.user, body="hi")
    async with open_tab(chat_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.expect("alice joined")
        # Free text, or an emoji not written in full ("❤" for "❤️"), is
        # no reaction: only Unicode's table, each emoji one way.
        for emoji in ("lol", "❤", "👍👍", "", None):
            await tab.send(action="react", message_id=message.pk, emoji=emoji)
        await tab.send(action="react", message_id=str(message.pk), emoji="👍")
        await tab.send(action="delete", message_id=message.pk + 1000)
        await tab.listen(0.5)
    assert tab.seen.count("That request was not understood.") == 7
    await message.arefresh_from_db()
    assert (message.reactors, message.revision) == ({}, 0)


async def test_anonymous_reader_cannot_react_and_keeps_reading(
    chat_server, general, alice
):
    message = await general.messages.acreate(author=alice.user, body="hi")
    async with open_tab(chat_server) as ws:
        tab = Tab(ws)
        await tab.send(action="react", message_id=message.pk, emoji="👍")
        await tab.expect("Sign in to react to messages.")
        await general.messages.acreate(author=alice.user, body="still live")
        await tab.expect("still live")  # by the heartbeat's catch-up
    await message.arefresh_from_db()
    assert message.reactors == {}


def test_reactions_toggle_per_person_and_take_revisions(general, alice, bob):
    message = general.messages.create(author=alice.user, body="hi")
    stale = Message.objects.get(pk=message.pk)
    message.toggle_reaction("👍", by=alice.user)
    stale.toggle_reaction("👍", by=bob.user)  # read before alice's: both kept
    message.toggle_reaction("👍", by=alice.user)
    message.refresh_from_db()
    assert message.reactors == {"👍": [bob.pk]}
    assert message.revision == 3
    assert Room.objects.get(pk=general.pk).revision == 3


def test_a_stale_copy_cannot_edit_a_deleted_message_back(general, alice):
    message = general.messages.create(author=alice.user, body="regret")
    stale = Message.objects.get(pk=message.pk)
    message.remove(by=alice.user)
    with pytest.raises(PermissionDenied):
        stale.edit("regret, again", by=alice.user)
    message.refresh_from_db()
    assert (message.body, message.revision) == ("", 1)
    assert Room.objects.get(pk=general.pk).revision == 1


def test_an_edit_finds_its_mentions_again(general, alice, bob):
    message = general.post(alice.user, "hi @bob")
    message.edit("hi @alice", by=alice.user)
    assert list(Message.objects.get(pk=message.pk).mentions.all()) == [alice.user]
    assert list(message.mentioned().values()) == [alice.user]


@pytest.fixture
def staff_client(client):
    staff = get_user_model().objects.create_superuser("mod", password=PASSWORD)
    client.force_login(staff)
    return client


def test_without_javascript_only_the_author_may_edit(client, general, alice, bob):
    message = general.messages.create(author=alice.user, body="mine")
    client.force_login(bob.user)
    assert client.get(f"/messages/{message.pk}/edit/").status_code == 403
    client.force_login(alice.user)
    page = client.get(f"/messages/{message.pk}/edit/")
    assert ">mine</textarea>" in page.content.decode()
    refused = client.post(f"/messages/{message.pk}/edit/", {"message": "x" * 5001})
    assert refused.status_code == 400
    assert "at most 5000 characters" in refused.content.decode()
    saved = client.post(f"/messages/{message.pk}/edit/", {"message": "still mine"})
    assert saved.url == message.get_absolute_url()
    message.refresh_from_db()
    assert message.body == "still mine" and message.edited is not None


def test_without_javascript_staff_may_delete_any(staff_client, client, general, alice):
    message = general.messages.create(author=alice.user, body="rude")
    assert (
        "rude" in staff_client.get(f"/messages/{message.pk}/delete/").content.decode()
    )
    staff_client.post(f"/messages/{message.pk}/delete/")
    message.refresh_from_db()
    assert message.deleted is not None and message.body == ""
    assert staff_client.post(f"/messages/{message.pk}/delete/").status_code == 403


def test_a_private_rooms_messages_stay_hidden(client, alice, bob):
    room = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    message = room.messages.create(author=alice.user, body="hidden")
    client.force_login(bob.user)
    assert client.get(f"/messages/{message.pk}/delete/").status_code == 404


def test_admin_deletion_is_the_apps_own(staff_client, general, alice):
    one, two, three = (
        general.messages.create(author=alice.user, body=f"spam {n}") for n in range(3)
    )
    staff_client.post(f"/admin/rooms/message/{one.pk}/delete/", {"post": "yes"})
    staff_client.post(
        "/admin/rooms/message/",
        {"action": "delete_selected", "_selected_action": [two.pk], "post": "yes"},
    )
    assert list(Message.objects.order_by("pk").values_list("body", flat=True)) == [
        "",
        "",
        "spam 2",
    ]
    assert Room.objects.get(pk=general.pk).revision == 2


def test_the_admin_deletes_many_messages_at_once(
    staff_client, general, alice, settings
):
    """Past the limit on one person's deletions: all of them, or none."""
    count, _ = settings.EDIT_RATE_LIMIT
    spam = [
        general.messages.create(author=alice.user, body="spam")
        for _ in range(count + 2)
    ]
    response = staff_client.post(
        "/admin/rooms/message/",
        {
            "action": "delete_selected",
            "_selected_action": [m.pk for m in spam],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Message.objects.filter(deleted=None).exists()


async def test_a_change_made_in_a_transaction_is_shown_once_it_commits(general, alice):
    """The admin deletes inside its own transaction, under the room's lock:
    nothing is sent from under it, nor before the deletion can be read."""
    message = await sync_to_async(general.post)(alice.user, "to be deleted")
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(broadcast.room_group(general.pk), channel)

    async def received_meanwhile():
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(layer.receive(channel), timeout=0.3)

    def delete_in_a_transaction():
        with transaction.atomic():
            changes.delete(message, alice.user)
            return async_to_sync(received_meanwhile)()

    assert await sync_to_async(delete_in_a_transaction)() is None
    event = await asyncio.wait_for(layer.receive(channel), timeout=5)
    changed = events.from_layer(event)
    assert isinstance(changed, events.MessageChanged)
    assert changed.id == message.pk
