from django.db.models import Max
from django.template.loader import render_to_string

from site_config.websocket import PreparedText

from .. import broadcast, db, fanout
from ..models import Message, Room
from ..sidebar import sidebar_context


def unread_entry(event):
    """Return the sidebar entry, marked unread, of a new message's room.

    Drawn here, not with every message: only when a room turns unread in
    some sidebar, and then once per broadcast in this process, for every
    socket it reaches.
    """
    if "unread_entry" not in event:
        room = Room(pk=event["room"], **event["room_fields"])
        html = render_to_string("rooms/sidebar.html#unread-update", {"room": room})
        event["unread_entry"] = PreparedText(html)
    return event["unread_entry"]


class Sidebar:
    """A signed-in person's rooms in nav#sidebar, unread ones marked live.

    For the sockets of pages that show the sidebar: the lobby's and a
    room's. The socket watches every room the person may read except its
    own (fanout calls notice() with their broadcasts). The consumer
    provides user, outbox and current_room.
    """

    current_room = None
    watched_room_ids = ()
    # Broadcasts that come while the lists are read wait for them.
    held_notices = None

    async def follow_sidebar(self):
        # Before the lists are read: a room opened meanwhile is either in
        # them or announced to this socket.
        await self.channel_layer.group_add(broadcast.SIDEBARS_GROUP, self.channel_name)
        # One trip to the database on a connect: the lists, and how far the
        # messages went when they were read.
        context, newest = await db.run(self.read_sidebar)
        own = self.current_room.pk if self.current_room else None
        listed = [*context["sidebar_rooms"], *context["sidebar_conversations"]]
        room_ids = [room.pk for room in listed if room.pk != own]
        await self.watch_and_draw(room_ids, context, newest)

    def read_sidebar(self):
        newest = Message.objects.aggregate(newest=Max("pk"))["newest"] or 0
        return sidebar_context(self.user, self.current_room), newest

    async def watch_and_draw(self, room_ids, context=None, newest=0):
        """Watch these rooms, then draw the lists: as read before watching
        (context) unless someone else posted in them since, or afresh."""
        self.held_notices = []
        self.watched_room_ids = set(self.watched_room_ids)
        try:
            for room_id in room_ids:
                await fanout.rooms.watch(room_id, self)
                self.watched_room_ids.add(room_id)
            if context is None or (
                room_ids and await db.run(self.posted_since, newest, room_ids)
            ):
                context = await db.run(sidebar_context, self.user, self.current_room)
            self.draw_sidebar(context)
        finally:
            held, self.held_notices = self.held_notices, None
        for event in held:
            self.notice(event)

    def posted_since(self, newest, room_ids):
        """Whether someone else posted in these rooms after message newest:
        between reading the lists and watching, so no broadcast told us."""
        news = Message.objects.filter(room__in=room_ids, pk__gt=newest)
        return news.exclude(author=self.user).exists()

    async def unfollow_sidebar(self):
        await self.channel_layer.group_discard(
            broadcast.SIDEBARS_GROUP, self.channel_name
        )
        watched, self.watched_room_ids = self.watched_room_ids, ()
        for room_id in watched:
            await fanout.rooms.leave(room_id, self)

    async def redraw_sidebar(self):
        """Draw the lists for whoever the socket is now, signed in or not."""
        self.draw_sidebar(await db.run(sidebar_context, self.user, self.current_room))

    def draw_sidebar(self, context):
        rooms = [*context["sidebar_rooms"], *context["sidebar_conversations"]]
        self.unread = {room.pk for room in rooms if getattr(room, "has_unread", False)}
        self.muted = {room.pk for room in rooms if getattr(room, "muted", False)}
        self.outbox.put(render_to_string("rooms/sidebar.html#lists-update", context))

    def notice(self, event):
        """A broadcast in a watched room: mark the room unread if it now is."""
        if self.held_notices is not None:
            self.held_notices.append(event)
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

    async def user_room_added(self, event):
        """This person was let into a room: watch it, and list it."""
        await self.list_room(event["room_id"])

    async def room_opened(self, event):
        """Someone opened a room that anyone may read: watch it, and list it."""
        await self.list_room(event["room_id"])

    async def list_room(self, room_id):
        if room_id in self.watched_room_ids or room_id == getattr(
            self.current_room, "pk", None
        ):
            return
        await self.watch_and_draw([room_id])

    async def stop_watching(self, room_id):
        """This person may no longer read the room."""
        if room_id in self.watched_room_ids:
            self.watched_room_ids.discard(room_id)
            await fanout.rooms.leave(room_id, self)
            context = {"room_id": room_id}
            html = render_to_string("rooms/sidebar.html#entry-removed", context)
            self.outbox.put(html)
