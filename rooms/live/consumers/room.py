import contextlib
import json

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError
from django.template.loader import render_to_string

from rooms import metrics
from rooms.live import broadcast, db, events, fanout, heartbeat, presence
from rooms.live.consumers.actions import MessageActions, SessionActions
from rooms.live.consumers.base import (
    CLOSE_MEMBERS_ONLY,
    CLOSE_NO_ROOM,
    CLOSE_SIGNED_OUT,
    Consumer,
    socket_identified,
)
from rooms.live.consumers.catch_up import CatchUp
from rooms.live.consumers.sidebar import Sidebar
from rooms.messages.forms import MessageForm
from rooms.models import ReadMark, Room


class RoomConsumer(CatchUp, MessageActions, SessionActions, Sidebar, Consumer):
    """One browser tab in one room: catch-up, live updates, posting, sign-in,
    and the sidebar beside it."""

    room = None

    @property
    def current_room(self):
        return self.room

    async def connect(self):
        slug = self.scope["url_route"]["kwargs"]["slug"]
        socket_identified.send(type(self), room=slug)
        if self.cursor_from_query("reconnect"):
            metrics.reconnects.inc()
        await self.accept()
        self.room, admitted = await db.run(self.find_room)
        if self.room is None:
            await self.send_fragment("refusal", {"reason": "no-room"})
            await self.close(code=CLOSE_NO_ROOM)
            return
        if not admitted:
            # An open room refuses only visitors, when the chat is its people's.
            open_room = self.room.kind == Room.Kind.OPEN
            reason = "sign-in-to-read" if open_room else "members-only"
            await self.send_fragment("refusal", {"reason": reason})
            self.room = None  # never joined: nothing to leave on disconnect
            await self.close(code=CLOSE_MEMBERS_ONLY)
            return
        self.start_cursor()
        self.outbox = fanout.Outbox(self.scope)
        await fanout.rooms.join(self.room.pk, self)
        await self.catch_up()
        if self.user.is_authenticated:
            await self.enter_as_member()
            if not await self.still_signed_in():
                await self.user_signed_out({})
                return
        heartbeat.start()

    def find_room(self):
        """Return the socket's room (None if there is none) and whether it
        admits this person, in one trip to the database thread."""
        slug = self.scope["url_route"]["kwargs"]["slug"]
        room = Room.objects.filter(slug=slug).first()
        return room, room is not None and room.admits(self.user)

    async def disconnect(self, code):
        if self.room is None:
            return
        try:
            if self.user.is_authenticated:
                # First: the person may be on their way to the lobby, which
                # asks how far they read. A hidden tab closes too, so what
                # arrives after this stays unread.
                # Only moved: the page or the inline sign-in made the mark.
                # An UPDATE checks no foreign keys, so sockets closing in
                # numbers never lock the tables of people and rooms.
                await db.run(
                    ReadMark.objects.move_up,
                    self.user,
                    self.room,
                    self.newest_sent_id(),
                )
        finally:  # a database blip must not leave the socket registered
            await fanout.rooms.leave(self.room.pk, self)
            if self.user.is_authenticated:
                await self.leave_as_member()

    async def receive(self, text_data=None, bytes_data=None):
        try:
            frame = json.loads(text_data or "")
            action = frame.get("action")
        except (ValueError, AttributeError):
            frame, action = {}, None
        handler = {
            "send": self.post_message,
            "typing": self.announce_typing,
            "start-edit": self.start_editing,
            "edit": self.edit_message,
            "delete": self.delete_message,
            "react": self.react,
            "remove-preview": self.remove_preview,
            "sign-in": self.sign_in,
            "sign-out": self.sign_out,
        }.get(action)
        if handler is None:
            await self.send_fragment("alert", {"alert": "not-understood"})
            return
        await handler(frame)

    # Room broadcasts, from this process's fan-out

    def deliver(self, event):
        """Send a room broadcast unless this tab has it; return whether sent."""
        # Skipped here, not hidden by CSS: CSS words "alice and bob are
        # typing…" from the names in #typing, so yours must not be there.
        if isinstance(event, events.Typing) and event.typist == self.user.pk:
            return False
        if not self.is_unsent(event):
            return False
        self.outbox.put(event.html[self.language])
        return True

    # Group events

    async def user_signed_out(self, message):
        event = events.SignedOut.from_layer(message)
        signed_out = {"reason": event.reason, "user": AnonymousUser()}
        await self.send_fragment("refusal", signed_out)
        await self.close(code=CLOSE_SIGNED_OUT)

    async def user_removed(self, message):
        event = events.MemberRemoved.from_layer(message)
        if event.room_id != self.room.pk:
            await self.stop_watching(event.room_id)
            return
        if event.reason == "left-open-room":
            return  # anyone may still read it here
        await self.send_fragment("refusal", {"reason": event.reason})
        await self.close(code=CLOSE_MEMBERS_ONLY)

    # Membership of the signed-in person

    async def enter_as_member(self):
        await self.channel_layer.group_add(
            broadcast.user_group(self.user.pk), self.channel_name
        )
        # The account may have gone as the socket opened: connect() then
        # finds the person signed out.
        with contextlib.suppress(IntegrityError):
            await presence.arrive(self.room, self.user, self.channel_name)
        fanout.rooms.start_reading(self.room.pk, self.user.pk)
        await self.follow_sidebar()

    async def leave_as_member(self):
        # The sidebar first: mostly this process's own lists, which a
        # database or Redis blip in the rest must not leave holding a
        # closed socket. A presence row left behind lapses by itself.
        await self.unfollow_sidebar()
        fanout.rooms.stop_reading(self.room.pk, self.user.pk)
        await self.channel_layer.group_discard(
            broadcast.user_group(self.user.pk), self.channel_name
        )
        await presence.depart(self.room, self.channel_name)

    # Rendering and sending

    async def send(self, text_data=None, bytes_data=None, close=False):
        # The tab has gone. ASGI servers raise OSError on a closed socket,
        # then deliver websocket.disconnect, whose handler cleans up; let
        # the error escape and the consumer would end without cleaning up.
        with contextlib.suppress(OSError):
            await super().send(text_data, bytes_data, close)

    async def send_fragment(self, partial, context):
        await self.send(text_data=self.render(partial, context))

    def render(self, partial, context):
        context = {
            "room": self.room,
            "user": self.user,
            "form": MessageForm(),
            **context,
        }
        return render_to_string(f"rooms/room.html#{partial}", context)
