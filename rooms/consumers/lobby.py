from django.template.loader import render_to_string

from site_config.websocket import PreparedText

from .. import broadcast, db, fanout
from ..models import Room
from .base import CLOSE_SIGNED_OUT, Consumer


def unread_entry(event):
    """Return the lobby entry, marked unread, of a new message's room.

    Drawn here, not with every message: only when a room turns unread in
    some lobby, and then once per broadcast in this process, for every
    lobby socket it reaches.
    """
    if "unread_entry" not in event:
        room = Room(pk=event["room"], **event["room_fields"])
        context = {"room": room}
        html = render_to_string("rooms/lobby.html#unread-update", context)
        event["unread_entry"] = PreparedText(html)
    return event["unread_entry"]


class LobbyConsumer(Consumer):
    """A signed-in person's lobby: which rooms have unread messages, live."""

    room_ids = ()

    async def connect(self):
        await self.accept()
        if not self.user.is_authenticated:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        self.outbox = fanout.Outbox(self.scope)
        # Broadcasts that come while the lists are read wait for them.
        self.held = []
        rooms = Room.objects.visible_to(self.user)
        self.room_ids = await db.run(list, rooms.values_list("pk", flat=True))
        await self.channel_layer.group_add(
            broadcast.user_group(self.user.pk), self.channel_name
        )
        for room_id in self.room_ids:
            await fanout.rooms.watch(room_id, self)
        # Read after watching, so nothing posted in between is missed; a
        # reconnect (a hidden tab shown again) redraws the lists.
        rooms = await db.run(list, rooms.with_unread_for(self.user))
        self.unread = {room.pk for room in rooms if room.has_unread}
        self.muted = {room.pk for room in rooms if room.muted}
        context = {
            "rooms": [room for room in rooms if not room.is_direct],
            "conversations": [room for room in rooms if room.is_direct],
        }
        self.outbox.put(render_to_string("rooms/lobby.html#lists-update", context))
        held, self.held = self.held, None
        for event in held:
            self.deliver(event)

    async def disconnect(self, code):
        for room_id in self.room_ids:
            await fanout.rooms.leave(room_id, self)
        if self.user.is_authenticated:
            await self.channel_layer.group_discard(
                broadcast.user_group(self.user.pk), self.channel_name
            )

    def deliver(self, event):
        if self.held is not None:
            self.held.append(event)
            return
        room_id = event["room"]
        if "author" not in event or room_id in self.unread:
            return  # not a new message, or the room is marked already
        if event["author"] == self.user.pk:
            return
        if room_id in self.muted and self.user.pk not in event["mentions"]:
            return
        self.unread.add(room_id)
        self.outbox.put(unread_entry(event))

    async def user_signed_out(self, event):
        await self.close(code=CLOSE_SIGNED_OUT)

    async def user_removed(self, event):
        await fanout.rooms.leave(event["room_id"], self)
