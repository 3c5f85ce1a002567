from functools import partial

from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import translation

from rooms.live import db, events, fanout
from rooms.live.frames import PreparedText
from rooms.models import UNREAD_SHOWN, Message, Room
from rooms.web.sidebar import sidebar_context


def unread_entry(event, count, muted):
    """Return the sidebar entry of a new message's room, showing count unread.

    Drawn here, not with every message: only for the sidebars that watch
    the room, and then once per count in this process, for every socket
    that shows it.
    """
    entries = event.unread_entries
    key = (translation.get_language(), count, muted)
    if key not in entries:
        room = listed_room(event.room, event.room_fields, count, muted)
        html = render_to_string("rooms/sidebar.html#entry-update", {"room": room})
        entries[key] = PreparedText(html)
    return entries[key]


def listed_room(room_id, fields, unread_count, muted):
    """A room as a sidebar lists it, from a broadcast's fields."""
    room = Room(pk=room_id, **fields)
    room.unread_count, room.muted = unread_count, muted
    return room


class Sidebar:
    """A signed-in person's rooms in nav#sidebar, unread ones marked live.

    For the sockets of pages that show the sidebar: the lobby's and a
    room's. The socket watches every room the person may read except its
    own (fanout calls notice() with their broadcasts), and lists the open
    rooms people open (fanout calls list_opened()). The consumer provides
    user, outbox and current_room.
    """

    current_room = None
    watched_room_ids = ()
    # How many unread messages each listed room shows, and which are muted.
    unread = {}
    muted = frozenset()
    # What comes while the lists are read waits for them: calls to make.
    held = None

    async def follow_sidebar(self):
        # One trip to the database on a connect: the lists, and how far the
        # messages and rooms went when they were read.
        context, newest = await db.run(self.read_sidebar)
        await self.watch_and_draw(self.listed_room_ids(context), context, newest)

    def read_sidebar(self):
        newest = (
            Message.objects.aggregate(newest=Max("pk"))["newest"] or 0,
            Room.objects.aggregate(newest=Max("pk"))["newest"] or 0,
        )
        return sidebar_context(self.user, self.current_room), newest

    def listed_room_ids(self, context):
        own = self.current_room.pk if self.current_room else None
        listed = [*context["sidebar_rooms"], *context["sidebar_conversations"]]
        return [room.pk for room in listed if room.pk != own]

    async def watch_and_draw(self, room_ids, context=None, newest=None):
        """Watch these rooms, then draw the lists: as read before watching
        (context) unless they changed since, or afresh."""
        self.held = []
        self.watched_room_ids = set(self.watched_room_ids)
        try:
            await fanout.rooms.add_sidebar(self)
            await self.watch(room_ids)
            if context is None or await db.run(self.changed_since, newest, room_ids):
                context = await db.run(sidebar_context, self.user, self.current_room)
                await self.watch(self.listed_room_ids(context))
            self.draw_sidebar(context)
        finally:
            held, self.held = self.held, None
        for later in held:
            later()

    async def watch(self, room_ids):
        for room_id in room_ids:
            if room_id not in self.watched_room_ids:
                await fanout.rooms.watch(room_id, self)
                self.watched_room_ids.add(room_id)

    def changed_since(self, newest, room_ids):
        """Whether, between reading the lists and watching them, someone
        else posted in these rooms or someone opened a room: no broadcast
        told this socket of either."""
        newest_message, newest_room = newest
        posted = Message.objects.in_log().filter(
            room__in=room_ids, pk__gt=newest_message
        )
        opened = Room.objects.filter(kind=Room.Kind.OPEN, pk__gt=newest_room)
        return (
            bool(room_ids) and posted.exclude(author=self.user).exists()
        ) or opened.exists()

    async def unfollow_sidebar(self):
        fanout.rooms.remove_sidebar(self)
        watched, self.watched_room_ids = self.watched_room_ids, ()
        for room_id in watched:
            await fanout.rooms.leave(room_id, self)

    async def redraw_sidebar(self):
        """Draw the lists for whoever the socket is now, signed in or not."""
        self.draw_sidebar(await db.run(sidebar_context, self.user, self.current_room))

    def draw_sidebar(self, context):
        rooms = [*context["sidebar_rooms"], *context["sidebar_conversations"]]
        self.unread = {
            room.pk: room.unread_count
            for room in rooms
            if getattr(room, "unread_count", 0)
        }
        self.muted = {room.pk for room in rooms if getattr(room, "muted", False)}
        self.outbox.put(render_to_string("rooms/sidebar.html#lists-update", context))

    def notice(self, event):
        """A broadcast in a watched room: count a new message as unread, or
        show the room's new name."""
        if self.held is not None:
            self.held.append(partial(self.notice, event))
            return
        room_id = event.room
        if isinstance(event, events.RoomChanged):
            self.redraw_entry(room_id, event.room_fields)
            return
        if not isinstance(event, events.MessagePosted) or not event.in_room:
            return  # not a new message in the room
        if event.author == self.user.pk:
            return  # their own
        if fanout.rooms.is_reading(room_id, self.user.pk):
            return  # read live in another tab of theirs
        muted = room_id in self.muted
        if muted and self.user.pk not in event.mentions:
            return
        count = self.unread.get(room_id, 0)
        if count >= UNREAD_SHOWN:
            return  # shown as many as it can show
        self.unread[room_id] = count + 1
        self.outbox.put(unread_entry(event, count + 1, muted))

    async def room_read(self, message):
        """This person read the room elsewhere: it is no longer unread here."""
        event = events.RoomRead.from_layer(message)
        if self.unread.pop(event.room_id, None) is not None:
            self.redraw_entry(event.room_id, event.room_fields)

    def redraw_entry(self, room_id, fields):
        unread, muted = self.unread.get(room_id, 0), room_id in self.muted
        room = listed_room(room_id, fields, unread, muted)
        context = {"room": room, "current_room": self.current_room}
        self.outbox.put(render_to_string("rooms/sidebar.html#entry-update", context))

    def list_opened(self, room_id, entries):
        """Someone opened a room anyone may read: list it (entries, drawn
        once per language for every socket) and return True for the fan-out
        to have this socket watch it; False if it does already."""
        if not self.user.is_authenticated or not self.lists_new(room_id):
            return False
        entry = entries[self.language]
        self.watched_room_ids.add(room_id)
        if self.held is not None:
            self.held.append(partial(self.outbox.put, entry))
        else:
            self.outbox.put(entry)
        return True

    def lists_new(self, room_id):
        own = getattr(self.current_room, "pk", None)
        return room_id not in self.watched_room_ids and room_id != own

    async def user_room_added(self, message):
        """This person was let into a room: watch it, and list it."""
        room_id = events.RoomAdded.from_layer(message).room_id
        # Handled in turn: the person may have signed out over this socket.
        if self.user.is_authenticated and self.lists_new(room_id):
            await self.watch_and_draw([room_id])

    async def stop_watching(self, room_id):
        """This person may no longer read the room."""
        if room_id in self.watched_room_ids:
            self.watched_room_ids.discard(room_id)
            await fanout.rooms.leave(room_id, self)
            context = {"room_id": room_id}
            html = render_to_string("rooms/sidebar.html#entry-removed", context)
            self.outbox.put(html)
