import contextlib
import json
import re
import time
from urllib.parse import parse_qs

from channels.auth import AuthMiddleware, get_user, login, logout
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string

from accounts import client_address, session_exchange
from accounts.forms import SignInForm
from site_config.websocket import PreparedText

from . import broadcast, changes, db, fanout, heartbeat, presence
from .forms import MessageForm
from .models import PAGE_SIZE, REACTIONS, ReadMark, Room

CATCH_UP_LIMIT = 500

# Close codes hx-ws never retries (it retries 1006, so refusing the
# handshake itself would make the browser knock forever).
CLOSE_NO_ROOM = 4404
CLOSE_SIGNED_OUT = 4401
CLOSE_MEMBERS_ONLY = 4403

# The composer reports typing at most every 2 s (room.html); faster reports
# come from a hostile client. Less than 2 s leaves room for network jitter.
TYPING_REPORT_SECONDS = 1.5

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def text(frame, key):
    """Return frame[key] if it is a string; hostile frames send anything."""
    value = frame.get(key)
    if not isinstance(value, str):
        return ""
    # JSON may carry lone surrogates ("\ud800"), which no database can
    # store. Replace them as a browser does when it posts a form.
    return LONE_SURROGATE.sub("\ufffd", value)


class UserAfterHandshake(AuthMiddleware):
    """Channels' AuthMiddleware, less its read of the user before the handshake.

    scope["user"] stays unread (touching it raises) until Consumer.accept
    reads it, once the socket is open.
    """

    async def resolve_scope(self, scope):
        pass


class Consumer(AsyncWebsocketConsumer):
    """A websocket consumer that opens before it reads the database, handles
    a frame without a thread hop first, and keeps no more of the handshake
    than it reads.

    Channels sends each socket to its one sync thread twice before the
    consumer may accept: AuthMiddleware reads the session and the user, then
    dispatch closes stale database connections (aclose_old_connections). In
    a reconnect storm each handshake waited there behind everyone's reads:
    1,000 sockets connected in 2.7-4.6 s (1.2-1.5 s without the two hops),
    and each held its request meanwhile. Dispatch also hopped before every
    frame.

    Consumers here query only through db.run and Channels'
    database_sync_to_async, which close connections around each call, in
    the thread that queries; so the connect and the frames skip the hop.
    """

    async def dispatch(self, message):
        if message["type"] == "websocket.connect":
            await self.websocket_connect(message)
        elif message["type"] == "websocket.receive":
            await self.websocket_receive(message)
        else:
            await super().dispatch(message)

    async def accept(self, subprotocol=None, headers=None):
        await super().accept(subprotocol, headers)
        # Who this is, read once the socket is open (UserAfterHandshake).
        # In Channels' one sync thread on purpose: in the pool, the reads
        # contend with the handshakes still coming (1,000 sockets connected
        # in 3.6-7.1 s instead of 1.4 s).
        self.scope["user"]._wrapped = await get_user(self.scope)

    async def websocket_connect(self, message):
        await super().websocket_connect(message)
        # After connect, only the sign-in's client address reads the
        # handshake's headers: ~1.5 KiB a bench socket, more from a browser.
        client_address.keep_only_its_headers(self.scope)


class RoomConsumer(Consumer):
    """One browser tab in one room: catch-up, live updates, posting, sign-in."""

    room = None
    # Every message up to synced_id has been read from the database and
    # sent; sent_ids holds what was sent beyond that, live or by catch-up.
    synced_id = None
    sent_ids = frozenset()
    # Sent ids under this are forgotten at the next catch-up: the read before
    # last saw nothing older, and a live copy still on its way (a busy
    # process runs behind) is recognised until then.
    forget_below = 0
    # Typing reports before this time.monotonic() are dropped.
    next_typing_at = 0
    # Every change (edit, deletion, reaction) up to synced_revision has been
    # read and sent; changes_sent maps message ids to the revision sent
    # beyond that, so neither a repeat nor an older copy replaces it.
    synced_revision = 0
    changes_sent = None
    # (user pk, the emptied composer's frame), rendered at the first send.
    cleared_composer = None

    async def connect(self):
        await self.accept()
        self.room, admitted = await db.run(self.find_room)
        if self.room is None:
            await self.send_fragment("refusal", {"reason": "no-room"})
            await self.close(code=CLOSE_NO_ROOM)
            return
        if not admitted:
            await self.send_fragment("refusal", {"reason": "members-only"})
            self.room = None  # never joined: nothing to leave on disconnect
            await self.close(code=CLOSE_MEMBERS_ONLY)
            return
        self.synced_id = self.cursor_from_query("after")
        self.synced_revision = self.cursor_from_query("revision") or 0
        self.sent_ids = set()
        self.changes_sent = {}
        self.outbox = fanout.Outbox(self.scope)
        await fanout.rooms.join(self.room.pk, self)
        await self.catch_up()
        if self.user.is_authenticated:
            await self.enter_as_member()
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
            "edit": self.edit_message,
            "delete": self.delete_message,
            "react": self.react,
            "sign-in": self.sign_in,
            "sign-out": self.sign_out,
        }.get(action)
        if handler is None:
            await self.send_fragment("alert", {"alert": "not-understood"})
            return
        await handler(frame)

    # Room broadcasts, from this process's fan-out

    def deliver(self, event):
        # Skipped here, not hidden by CSS: CSS words "alice and bob are
        # typing…" from the names in #typing, so yours must not be there.
        if "typist" in event and event["typist"] == self.user.pk:
            return
        changed_id = event.get("changed")
        if changed_id is not None:
            # Sent already, by the catch-up or live: an older copy must not
            # replace a newer one.
            revision = event["revision"]
            if revision <= self.synced_revision:
                return
            if revision <= self.changes_sent.get(changed_id, 0):
                return
            self.changes_sent[changed_id] = revision
        message_id = event.get("id")
        if message_id is not None:
            if message_id in self.sent_ids:
                return  # the heartbeat's catch-up got there first
            self.sent_ids.add(message_id)
        self.outbox.put(event["html"])

    # Group events

    async def user_signed_out(self, event):
        # Processes still on the previous release send no reason.
        reason = event.get("reason", "signed-out")
        signed_out = {"reason": reason, "user": AnonymousUser()}
        await self.send_fragment("refusal", signed_out)
        await self.close(code=CLOSE_SIGNED_OUT)

    async def user_removed(self, event):
        if event["room_id"] != self.room.pk:
            return
        await self.send_fragment("refusal", {"reason": "removed"})
        await self.close(code=CLOSE_MEMBERS_ONLY)

    # Actions

    async def post_message(self, frame):
        if not self.user.is_authenticated:
            await self.send_fragment("refusal", {"reason": "sign-in-to-post"})
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        form = MessageForm({"message": text(frame, "message")}, author=self.user)
        message = await db.run(self.post_if_valid, form)
        if message is None:
            if not form.is_blank():
                await self.send_fragment("composer-update", {"form": form})
            return
        if not await broadcast.message_posted(message):
            # Stored, so nothing is lost; say so rather than pretend.
            self.send_messages([message])
            await self.send_fragment("alert", {"alert": "delivery-delayed"})
        await self.clear_composer()

    def post_if_valid(self, form):
        # One trip to the database thread, not two: each costs ~50 µs of CPU.
        if not form.is_valid():
            return None
        return self.room.post(self.user, form.cleaned_data["message"])

    async def announce_typing(self, frame):
        """Tell the room this person is typing; never stored, never replayed."""
        if not self.user.is_authenticated:
            return
        # A flood is dropped, not refused: typing is only a hint.
        now = time.monotonic()
        if now < self.next_typing_at:
            return
        self.next_typing_at = now + TYPING_REPORT_SECONDS
        await broadcast.typing(self.room, self.user)

    async def edit_message(self, frame):
        form = MessageForm({"message": text(frame, "message")})
        message = await self.changeable_message(frame)
        if message is None or not await db.run(form.is_valid):
            context = {"form": form, "editing": message and message.pk}
            await self.send_fragment("composer-update", context)
            return
        await self.change(changes.edit, message, form.cleaned_data["message"])
        await self.clear_composer()

    async def delete_message(self, frame):
        message = await self.changeable_message(frame)
        if message is not None:
            await self.change(changes.delete, message)

    async def react(self, frame):
        message = await self.changeable_message(frame)
        if message is None:
            return
        if text(frame, "emoji") not in REACTIONS:
            await self.send_fragment("alert", {"alert": "not-understood"})
            return
        await self.change(changes.react, message, text(frame, "emoji"))

    async def changeable_message(self, frame):
        """Return the message of this room the frame names, or None."""
        if not self.user.is_authenticated:
            # A reader who clicks a reaction keeps reading live.
            await self.send_fragment("alert", {"alert": "sign-in-to-change"})
            return None
        message_id = frame.get("message_id")
        message = None
        if isinstance(message_id, int):
            message = await db.run(self.room.messages.filter(pk=message_id).first)
        if message is None:
            await self.send_fragment("alert", {"alert": "not-understood"})
        return message

    async def change(self, verb, message, *args):
        try:
            await db.run(verb, message, self.user, *args)
        except PermissionDenied:
            await self.send_fragment("alert", {"alert": "not-yours"})

    async def sign_in(self, frame):
        if self.user.is_authenticated:
            return  # a stale form from before this tab signed in
        form = SignInForm(
            data={key: text(frame, key) for key in ("username", "password")},
            client_address=client_address.of_scope(self.scope),
        )
        if not await db.run(form.is_valid):
            context = {"sign_in_form": form, "focus": "sign-in"}
            await self.send_fragment("controls-update", context)
            return
        await login(self.scope, form.get_user())
        session = self.scope["session"]
        await db.run(session.save)
        csrf_cookie = self.scope["cookies"].get(settings.CSRF_COOKIE_NAME, "")
        token = await db.run(session_exchange.issue, session.session_key, csrf_cookie)
        await self.enter_as_member()
        # The page was drawn for nobody: start this person's mark here.
        await db.run(
            ReadMark.objects.advance, self.user, self.room, self.newest_sent_id()
        )
        context = {"exchange_token": token, "focus": "composer"}
        await self.send_fragment("viewer-update", context)

    async def sign_out(self, frame):
        if self.user.is_authenticated:
            # Leave first: the signed-out event closes every other socket.
            await self.leave_as_member()
            await logout(self.scope)
        await self.send_fragment("viewer-update", {"focus": "sign-in"})

    # Membership of the signed-in person

    @property
    def user(self):
        return self.scope["user"]

    async def enter_as_member(self):
        await self.channel_layer.group_add(
            broadcast.user_group(self.user.pk), self.channel_name
        )
        await presence.arrive(self.room, self.user, self.channel_name)

    async def leave_as_member(self):
        await self.channel_layer.group_discard(
            broadcast.user_group(self.user.pk), self.channel_name
        )
        await presence.depart(self.room, self.channel_name)

    # Rendering

    async def catch_up(self):
        """Send what this tab has not been sent, or the latest page if too much."""
        read = await db.run(self.read_missed, frozenset(self.sent_ids))
        if read is None:
            latest, revision = await db.run(self.read_latest)
            context = {"messages": latest, "swap": "innerHTML"}
            self.outbox.put(self.render("messages-update", context))
            self.sent_ids = {message.pk for message in latest}
            self.synced_id = latest[-1].pk if latest else 0
            self.synced_revision, self.changes_sent = revision, {}
            return
        missed, ids, changed = read
        # Live delivery may have sent some of them while the query ran.
        self.send_messages([m for m in missed if m.pk not in self.sent_ids])
        if ids:
            self.synced_to(ids)
        self.send_changes(changed)

    def settle(self, room_ids):
        """Given the room's message ids read after this socket's cursor (or
        None: too many), return whether live delivery sent every one of them.

        If so the cursor moves up to the newest without reading a message, so
        a heartbeat reads once per room, not once per socket.
        """
        if room_ids is None or self.synced_id is None:
            return False
        newer = [pk for pk in room_ids if pk > self.synced_id]
        if any(pk not in self.sent_ids for pk in newer):
            return False
        if newer:
            self.synced_to(newer)
        return True

    def synced_to(self, ids):
        """Every message of ids (ascending, just read) has been sent."""
        self.synced_id = max(self.synced_id, ids[-1])
        self.sent_ids = {pk for pk in self.sent_ids if pk >= self.forget_below}
        self.forget_below = ids[0]

    def send_changes(self, changed):
        fresh = [m for m in changed if m.revision > self.changes_sent.get(m.pk, 0)]
        for start in range(0, len(fresh), PAGE_SIZE):
            page = fresh[start : start + PAGE_SIZE]
            self.outbox.put(self.render("messages-changed", {"messages": page}))
        if changed:
            self.synced_revision = max(self.synced_revision, changed[-1].revision)
            self.changes_sent = {
                pk: revision
                for pk, revision in self.changes_sent.items()
                if revision > self.synced_revision
            }

    def send_messages(self, messages):
        # A page per frame keeps frames small (a message may be 20 KB).
        for start in range(0, len(messages), PAGE_SIZE):
            page = messages[start : start + PAGE_SIZE]
            self.outbox.put(self.render("messages-update", {"messages": page}))
            self.sent_ids.update(message.pk for message in page)

    def read_latest(self):
        """Return the latest page and the room's revision read before it."""
        revision = Room.objects.values_list("revision", flat=True).get(pk=self.room.pk)
        return self.room.latest_messages(), revision

    def read_missed(self, sent_ids):
        """Return (messages not yet sent, ids read, messages changed since).

        None means start over with the latest page: the cursor is unknown or
        more than CATCH_UP_LIMIT messages were missed or changed.
        """
        if self.synced_id is None:
            return None
        newer = self.room.messages.after(self.synced_id).values_list("pk", flat=True)
        ids = list(newer[: len(sent_ids) + CATCH_UP_LIMIT + 1])
        unsent = [pk for pk in ids if pk not in sent_ids]
        changed = self.room.messages.changed_since(self.synced_revision)
        changed = list(changed.with_author()[: CATCH_UP_LIMIT + 1])
        if len(unsent) > CATCH_UP_LIMIT or len(changed) > CATCH_UP_LIMIT:
            return None
        if not unsent:  # most reconnects: a query saved on every one
            return [], ids, changed
        missed = self.room.messages.with_author().filter(pk__in=unsent).order_by("pk")
        return list(missed), ids, changed

    def newest_sent_id(self):
        return max(self.synced_id or 0, max(self.sent_ids, default=0))

    def cursor_from_query(self, name):
        """Return the page's newest message id (?after=) or revision, or None."""
        query = parse_qs(self.scope["query_string"].decode())
        value = query.get(name, [""])[0]
        return int(value) if re.fullmatch(r"[0-9]{1,18}", value) else None

    async def send(self, text_data=None, bytes_data=None, close=False):
        # The tab has gone. ASGI servers raise OSError on a closed socket,
        # then deliver websocket.disconnect, whose handler cleans up; let
        # the error escape and the consumer would end without cleaning up.
        with contextlib.suppress(OSError):
            await super().send(text_data, bytes_data, close)

    async def clear_composer(self):
        # The same frame after every send by the same person: render it once
        # (a form and its partials cost ~0.4 ms of a busy server's CPU).
        if self.cleared_composer is None or self.cleared_composer[0] != self.user.pk:
            html = self.render("composer-update", {"form": MessageForm()})
            self.cleared_composer = (self.user.pk, html)
        await self.send(text_data=self.cleared_composer[1])

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

    @property
    def user(self):
        return self.scope["user"]
