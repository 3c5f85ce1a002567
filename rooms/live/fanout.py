"""Hand a room's broadcasts to this process's sockets: one layer message each.

Channels would queue every group message once per member socket and wake
each consumer through its dispatch loop, with a thread hop per event
(Channels' aclose_old_connections), several times the cost of the send.
Instead the process joins each room's group once, on a channel of its own,
and passes the rendered bytes straight to its sockets in the room.
"""

import asyncio
import contextlib
import logging
import time
from collections import Counter, defaultdict, deque

from channels.layers import get_channel_layer
from django.utils import translation

from rooms import metrics
from rooms.live import events
from rooms.live.background import run_in_background
from rooms.live.broadcast import PEOPLE_GROUP, SIDEBARS_GROUP, room_group
from rooms.live.consumers import catch_up
from rooms.live.frames import PreparedText

logger = logging.getLogger(__name__)

# Well within channels-redis's group expiry (a day).
RENEW_SECONDS = 3600


class Outbox:
    """Frames for one socket, sent at once while the socket keeps up.

    A send that has to wait (the socket's buffer is full) must not hold up
    the fan-out to everyone else, so later frames queue behind it, in order.
    """

    def __init__(self, scope):
        # The server's own send: a frame needs nothing Channels' wrappers
        # add, and every broadcast is sent once per socket in the room.
        self._server_send = scope["server_send"]
        self._server_send_now = scope["server_send_now"]
        self._queued = None  # a deque while a send is waiting

    def put(self, text):
        """Send text, a str or a PreparedText that other sockets share."""
        if not isinstance(text, PreparedText):
            text = PreparedText(text)
        if self._queued is not None:
            self._queued.append(text)
            return
        if self._server_send_now is not None and self._server_send_now(text):
            return
        # Runs the send right here; it becomes a real task only if it waits.
        sending = asyncio.Task(
            self._send(text), loop=asyncio.get_running_loop(), eager_start=True
        )
        if not sending.done():
            self._queued = deque()
            run_in_background(self._send_queued(sending))

    async def _send(self, text):
        # The tab has gone: the server raises OSError, then tells the
        # consumer, whose disconnect cleans up.
        with contextlib.suppress(OSError):
            await self._server_send(
                {"type": "websocket.send", "text": text.text, "prepared": text}
            )

    async def _send_queued(self, sending):
        try:
            await sending
            while self._queued:
                await self._send(self._queued.popleft())
        finally:
            self._queued = None  # even after a failed send: never queue forever


class _Rooms:
    """This process's sockets by room, and the one channel that feeds them."""

    def __init__(self):
        self.members = defaultdict(set)
        # Sockets elsewhere that follow the room's broadcasts: sidebars.
        self.watchers = defaultdict(set)
        # Sockets whose sidebars list the rooms people open.
        self.sidebars = set()
        # Who has each room open here, by user id: their other tabs' sidebars
        # do not mark it unread.
        self.readers = defaultdict(Counter)
        self.channel = None
        self._opening = asyncio.Lock()
        self._people_renewed = -RENEW_SECONDS

    async def join(self, room_id, consumer):
        await self._add(self.members, room_id, consumer)

    async def watch(self, room_id, consumer):
        await self._add(self.watchers, room_id, consumer)

    async def add_sidebar(self, consumer):
        """Have this socket list every open room opened from now on."""
        await self._open()
        self.sidebars.add(consumer)

    def remove_sidebar(self, consumer):
        self.sidebars.discard(consumer)

    def start_reading(self, room_id, user_id):
        self.readers[room_id][user_id] += 1

    def stop_reading(self, room_id, user_id):
        readers = self.readers[room_id]
        readers[user_id] -= 1
        if readers[user_id] <= 0:
            del readers[user_id]
        if not readers:
            del self.readers[room_id]

    def is_reading(self, room_id, user_id):
        return user_id in self.readers.get(room_id, ())

    async def leave(self, room_id, consumer):
        was_followed = self._followed(room_id)
        for sockets in (self.members, self.watchers):
            if room_id in sockets:
                sockets[room_id].discard(consumer)
                if not sockets[room_id]:
                    del sockets[room_id]
        if was_followed and not self._followed(room_id):
            await get_channel_layer().group_discard(room_group(room_id), self.channel)

    def _followed(self, room_id):
        return room_id in self.members or room_id in self.watchers

    async def _add(self, sockets, room_id, consumer):
        await self._open()
        sockets[room_id].add(consumer)
        # Every join renews the membership, which some layers expire.
        await get_channel_layer().group_add(room_group(room_id), self.channel)

    async def _open(self):
        async with self._opening:
            if self.channel is None:
                self.channel = await get_channel_layer().new_channel()
                run_in_background(self._pass_on_forever())
            if time.monotonic() > self._people_renewed + RENEW_SECONDS:
                # Renewed now and then: layers expire group memberships.
                for group in (PEOPLE_GROUP, SIDEBARS_GROUP):
                    await get_channel_layer().group_add(group, self.channel)
                self._people_renewed = time.monotonic()

    async def _pass_on_forever(self):
        layer = get_channel_layer()
        while True:
            try:
                message = await layer.receive(self.channel)
            except Exception:
                logger.exception("Could not read room broadcasts; retrying")
                await asyncio.sleep(1)
                continue
            event = events.from_layer(message)
            if event is None:
                logger.warning("Ignoring a broadcast this release does not know")
                continue
            self.pass_on(event)

    # Its own frame, so no socket outlives its close as a leftover local
    # of the loop above while it waits for the next event.
    def pass_on(self, event):
        """Hand a broadcast to the sockets here that show it."""
        # Framed once here for all the sockets, not once per socket.
        event.html = {code: PreparedText(text) for code, text in event.html.items()}
        match event:
            case events.RoomOpened():
                self._list_opened(event.room, event.html)
            case events.PersonChanged():  # a new name or avatar: every room
                catch_up.forget_drawings()
                for consumer in {
                    c for sockets in self.members.values() for c in sockets
                }:
                    consumer.outbox.put(event.html[consumer.language])
            case _:
                self._pass_on_in_room(event)

    def _pass_on_in_room(self, event):
        """Members show the broadcast; watchers (sidebars) only note it."""
        delivered = 0
        for consumer in tuple(self.members.get(event.room, ())):
            try:
                delivered += consumer.deliver(event)
            except Exception:  # one broken socket must not stop the rest
                logger.exception("Could not deliver to %s", consumer)
        metrics.broadcast_sent(getattr(event, "stored_at", None), delivered)
        for consumer in tuple(self.watchers.get(event.room, ())):
            try:
                # A sidebar may draw its entry, in its own language.
                with translation.override(consumer.language):
                    consumer.notice(event)
            except Exception:
                logger.exception("Could not deliver to %s", consumer)

    def _list_opened(self, room_id, entry):
        """A room someone opened: every sidebar here lists it and watches it."""
        for consumer in tuple(self.sidebars):
            try:
                if consumer.list_opened(room_id, entry):
                    self.watchers[room_id].add(consumer)
            except Exception:
                logger.exception("Could not list room %s for %s", room_id, consumer)
        if room_id in self.watchers:
            group_add = get_channel_layer().group_add(room_group(room_id), self.channel)
            run_in_background(group_add)


# One per process: the sockets of this process are the ones it can reach.
rooms = _Rooms()
