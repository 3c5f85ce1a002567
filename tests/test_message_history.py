"""An edited message's earlier versions: kept on each edit, shown to its
readers, and deleted with it."""

import re

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rooms.messages import changes
from rooms.models import Message, MessageVersion, Room

from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


def client_of(person):
    client = Client()
    client.force_login(person.user)
    return client


def kept(message):
    """Return the message's earlier texts and their times, newest first."""
    return list(message.versions.order_by("-pk").values_list("body", "written"))


def test_each_edit_keeps_the_text_it_replaced_and_when_it_was_written(general, alice):
    message = general.post(alice.user, "first")
    changes.edit(message, alice.user, "second")
    first_edit = Message.objects.get(pk=message.pk).edited
    changes.edit(message, alice.user, "third")
    assert kept(message) == [("second", first_edit), ("first", message.created)]
    assert Message.objects.get(pk=message.pk).body == "third"


def test_an_edit_stores_its_version_with_one_insert(general, alice):
    message = general.post(alice.user, "first")
    with CaptureQueriesContext(connection) as queries:
        message.edit("second", by=alice.user)
    table = MessageVersion._meta.db_table
    touching = [q["sql"] for q in queries if table in q["sql"]]
    assert len(touching) == 1 and touching[0].startswith("INSERT"), touching


async def test_an_edit_over_the_socket_keeps_the_earlier_version(
    chat_server, general, alice, bob
):
    message = await general.messages.acreate(author=alice.user, body="helo")
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=bob) as b,
    ):
        author, reader = Tab(a), Tab(b)
        await reader.expect("bob joined")
        await author.send(action="edit", message_id=message.pk, message="hello")
        frames = await reader.expect("hello")
    # The live update's mark links to the history, as the page's does.
    assert f'href="/messages/{message.pk}/history/"' in frames
    versions = [v async for v in message.versions.values_list("body", "written")]
    assert versions == [("helo", message.created)]


def test_an_edit_without_javascript_keeps_the_earlier_version(general, alice):
    message = general.post(alice.user, "helo")
    client_of(alice).post(f"/messages/{message.pk}/edit/", {"message": "hello"})
    assert kept(message) == [("helo", message.created)]


def test_deleting_a_message_deletes_its_earlier_versions(general, alice, bob):
    message = general.post(alice.user, "a secret")
    changes.edit(message, alice.user, "nothing to see")
    other = general.post(alice.user, "kept")
    changes.edit(other, alice.user, "kept, edited")
    changes.delete(message, alice.user)
    assert not MessageVersion.objects.filter(message=message).exists()
    assert kept(other) == [("kept", other.created)]  # only its own went
    page = client_of(bob).get(f"/messages/{message.pk}/history/")
    assert page.status_code == 200
    assert "This message was deleted." in page.content.decode()
    assert b"secret" not in page.content and b"nothing to see" not in page.content


async def test_deleting_over_the_socket_deletes_its_earlier_versions(
    chat_server, general, alice
):
    message = await general.messages.acreate(author=alice.user, body="a secret")
    await sync_to_async(changes.edit)(message, alice.user, "nothing to see")
    async with open_tab(chat_server, person=alice) as ws:
        tab = Tab(ws)
        await tab.expect("alice joined")
        await tab.send(action="delete", message_id=message.pk)
        await tab.expect(f'id="message-{message.pk}" class="message message-deleted"')
    assert not await MessageVersion.objects.filter(message=message).aexists()


def test_the_history_lists_every_version_newest_first_formatted(general, alice, bob):
    message = general.post(alice.user, "**first**")
    changes.edit(message, alice.user, "second")
    changes.edit(message, alice.user, "third")
    message.refresh_from_db()
    page = client_of(bob).get(f"/messages/{message.pk}/history/").content.decode()
    history = page.split('id="message-history"')[1]
    bodies = re.findall(r'<div class="message-body">(.*?)</div>', history, re.S)
    assert [body.strip() for body in bodies] == [
        "<p>third</p>",
        "<p>second</p>",
        "<p><strong>first</strong></p>",
    ]
    assert history.count('<li class="message-version') == 3
    times = re.findall(r'<time class="local-time" datetime="([^"]+)"', history)
    first_edit = message.versions.get(body="second").written
    assert times == [
        message.edited.isoformat(),
        first_edit.isoformat(),
        message.created.isoformat(),
    ]
    assert f'href="{message.get_absolute_url()}"' in page


def test_the_edited_mark_links_to_the_history(general, alice, bob):
    message = general.post(alice.user, "helo")
    changes.edit(message, alice.user, "hello")
    page = client_of(bob).get("/rooms/general/").content.decode()
    mark = re.search(r'<a class="message-edited"[^>]*>', page)[0]
    assert f'href="/messages/{message.pk}/history/"' in mark
    assert 'aria-label="edited — see earlier versions"' in mark


def test_a_private_rooms_history_is_hidden_from_non_members(alice, bob):
    room = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    room.members.add(alice.user)
    message = room.post(alice.user, "before")
    changes.edit(message, alice.user, "after")
    assert client_of(bob).get(f"/messages/{message.pk}/history/").status_code == 404
    member = client_of(alice).get(f"/messages/{message.pk}/history/")
    assert b"before" in member.content


def test_a_visitor_reads_the_history_only_when_visitors_may_read(
    settings, general, alice
):
    message = general.post(alice.user, "the secret plan")
    changes.edit(message, alice.user, "the plan")
    path = f"/messages/{message.pk}/history/"
    assert b"the secret plan" in Client().get(path).content
    settings.SIGNUP_MODE = "invitation"
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert b"secret" not in response.content
