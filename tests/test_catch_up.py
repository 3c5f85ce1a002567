"""Catch-up is exact: a reconnect gets what it missed, nothing it had."""

import re
import threading

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection, transaction

from accounts import profiles
from rooms.live.consumers import catch_up
from rooms.live.consumers.room import RoomConsumer
from rooms.models import Message
from site_config.asgi import application

from .sockets import Tab, open_tab

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_reconnect_after_a_burst_is_sent_nothing_it_had(
    chat_server, general, alice, bob
):
    async with (
        open_tab(chat_server, person=alice) as a,
        open_tab(chat_server, person=bob) as b,
    ):
        reader = Tab(b)
        await reader.expect("bob joined")
        for n in range(50):
            await Tab(a).send(action="send", message=f"burst {n}")
        await reader.expect("burst 49<")
    newest = max(int(pk) for pk in re.findall(r'id="message-(\d+)"', reader.seen))
    missed = await general.messages.acreate(author=alice.user, body="while away")

    async with open_tab(chat_server, person=bob, after=newest) as back:
        returned = Tab(back)
        await returned.expect("while away")
        await returned.listen(seconds=0.5)
    assert re.findall(r'id="message-(\d+)"', returned.seen) == [str(missed.pk)]


def test_a_message_that_commits_late_is_never_skipped(general, alice, bob):
    """A reader between two posts' commits must not move past the earlier one.

    Postgres hands out ids before commit: without the room's lock, a later
    post could commit first, and a catch-up that read it would move its
    cursor past the one still to commit.
    """
    before = general.post(alice.user, "before").pk
    posting, release = threading.Event(), threading.Event()

    def post_slowly():
        with transaction.atomic():
            general.post(alice.user, "committed late")
            posting.set()
            release.wait(timeout=10)
        connection.close()

    def post_meanwhile():
        general.post(bob.user, "posted meanwhile")
        connection.close()

    slow = threading.Thread(target=post_slowly)
    slow.start()
    posting.wait(timeout=10)
    meanwhile = threading.Thread(target=post_meanwhile)
    meanwhile.start()
    meanwhile.join(timeout=0.5)  # it waits for the room, or commits now

    read = list(general.messages.after(before).values_list("pk", flat=True))
    cursor = max(read, default=before)
    release.set()
    slow.join()
    meanwhile.join()

    caught_up = read + list(general.messages.after(cursor).values_list("pk", flat=True))
    bodies = Message.objects.filter(pk__in=caught_up).values_list("body", flat=True)
    assert sorted(bodies) == ["committed late", "posted meanwhile"]


async def test_tabs_that_missed_the_same_messages_share_one_drawing(
    general,
    alice,
    monkeypatch,
    own_process_state,  # noqa: F811
):
    before = await general.messages.acreate(author=alice.user, body="seen")
    for n in range(3):
        await general.messages.acreate(author=alice.user, body=f"missed {n}")
    drawn = []
    render = RoomConsumer.render

    def counting_render(self, partial, context):
        drawn.append(partial)
        return render(self, partial, context)

    monkeypatch.setattr(RoomConsumer, "render", counting_render)
    monkeypatch.setattr(catch_up, "_drawn", catch_up.OrderedDict())
    tabs = [
        WebsocketCommunicator(
            application,
            f"/ws/rooms/general/?after={before.pk}",
            [(b"origin", b"http://localhost"), (b"host", b"localhost")],
        )
        for _ in range(3)
    ]
    frames = []
    for tab in tabs:
        assert (await tab.connect())[0]
        frames.append(await tab.receive_from(timeout=15))
    for tab in tabs:
        await tab.disconnect()
    assert all("missed 2" in frame for frame in frames)
    assert len(set(frames)) == 1
    assert drawn.count("messages-update") == 1


async def test_a_new_name_is_drawn_in_what_later_tabs_catch_up_on(
    general,
    alice,
    monkeypatch,
    own_process_state,  # noqa: F811
):
    before = await general.messages.acreate(author=alice.user, body="seen")
    await general.messages.acreate(author=alice.user, body="missed")
    monkeypatch.setattr(catch_up, "_drawn", catch_up.OrderedDict())

    def tab():
        return WebsocketCommunicator(
            application,
            f"/ws/rooms/general/?after={before.pk}",
            [(b"origin", b"http://localhost"), (b"host", b"localhost")],
        )

    first = tab()
    assert (await first.connect())[0]
    assert ">alice</a>" in await first.receive_from(timeout=15)
    await sync_to_async(profiles.save)(alice.user, display_name="Alice Liddell", bio="")
    # The rename reaches this process's rooms: the open tab shows it.
    while "Alice Liddell" not in await first.receive_from(timeout=15):
        pass
    second = tab()
    assert (await second.connect())[0]
    caught_up = await second.receive_from(timeout=15)
    assert "missed" in caught_up and ">Alice Liddell</a>" in caught_up
    for communicator in (first, second):
        await communicator.disconnect()
