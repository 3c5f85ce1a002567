import contextlib
import json
import re
from urllib.parse import parse_qs

from channels.auth import login, logout
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string

from accounts import session_exchange

from . import broadcast, presence
from .forms import MessageForm
from .models import Room
from .ticker import Ticker

CATCH_UP_LIMIT = 500

# Close codes hx-ws never retries (it retries 1006, so refusing the
# handshake itself would make the browser knock forever).
CLOSE_NO_ROOM = 4404
CLOSE_SIGNED_OUT = 4401

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def text(frame, key):
    """Return frame[key] if it is a string; hostile frames send anything."""
    value = frame.get(key)
    if not isinstance(value, str):
        return ""
    # JSON may carry lone surrogates ("\ud800"), which no database can
    # store. Replace them as a browser does when it posts a form.
    return LONE_SURROGATE.sub("\ufffd", value)


class RoomConsumer(AsyncWebsocketConsumer):
    """One browser tab in one room: catch-up, live updates, posting, sign-in."""

    room = None
    ticker = None
    # Every message up to synced_id has been read from the database and
    # sent; sent_ids holds what was sent beyond that, live or by catch-up.
    synced_id = None
    sent_ids = frozenset()

    async def connect(self):
        await self.accept()
        slug = self.scope["url_route"]["kwargs"]["slug"]
        self.room = await Room.objects.filter(slug=slug).afirst()
        if self.room is None:
            await self.send_fragment("refusal", {"reason": "no-room"})
            await self.close(code=CLOSE_NO_ROOM)
            return
        await self.channel_layer.group_add(
            broadcast.room_group(self.room.pk), self.channel_name
        )
        self.synced_id = self.cursor_from_query()
        self.sent_ids = set()
        await self.catch_up()
        if self.user.is_authenticated:
            await self.enter_as_member()
        self.ticker = Ticker(presence.heartbeat(), self.tick)

    async def disconnect(self, code):
        if self.room is None:
            return
        if self.ticker:
            await self.ticker.stop()
        await self.channel_layer.group_discard(
            broadcast.room_group(self.room.pk), self.channel_name
        )
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
            "sign-in": self.sign_in,
            "sign-out": self.sign_out,
        }.get(action)
        if handler is None:
            await self.send_fragment("alert", {"alert": "not-understood"})
            return
        await handler(frame)

    # Group events

    async def room_html(self, event):
        await self.send(text_data=event["html"])

    async def room_message(self, event):
        self.sent_ids.add(event["id"])
        await self.send(text_data=event["html"])

    async def user_signed_out(self, event):
        signed_out = {"reason": "signed-out", "user": AnonymousUser()}
        await self.send_fragment("refusal", signed_out)
        await self.close(code=CLOSE_SIGNED_OUT)

    # Actions

    async def post_message(self, frame):
        if not self.user.is_authenticated:
            await self.send_fragment("refusal", {"reason": "sign-in-to-post"})
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        form = MessageForm({"message": text(frame, "message")})
        if not form.is_valid():
            if not form.is_blank():
                await self.send_fragment("composer-update", {"form": form})
            return
        message = await self.room.messages.acreate(
            author=self.user, body=form.cleaned_data["message"]
        )
        if not await broadcast.message_posted(message):
            # Stored, so nothing is lost; say so rather than pretend.
            await self.send_messages([message])
            await self.send_fragment("alert", {"alert": "delivery-delayed"})
        await self.send_fragment("composer-update", {"form": MessageForm()})

    async def sign_in(self, frame):
        if self.user.is_authenticated:
            return  # a stale form from before this tab signed in
        form = AuthenticationForm(
            data={key: text(frame, key) for key in ("username", "password")}
        )
        # Password hashing takes a third of a second: keep it off the one
        # thread every socket's database work shares.
        if not await database_sync_to_async(form.is_valid, thread_sensitive=False)():
            context = {"sign_in_form": form, "focus": "sign-in"}
            await self.send_fragment("controls-update", context)
            return
        await login(self.scope, form.get_user())
        session = self.scope["session"]
        await session.asave()
        csrf_cookie = self.scope["cookies"].get(settings.CSRF_COOKIE_NAME, "")
        token = await session_exchange.issue(session.session_key, csrf_cookie)
        await self.enter_as_member()
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

    async def tick(self):
        """Keep presence fresh and make up for broadcasts the layer dropped.

        Group messages are at most once (a Redis restart, a full channel), and
        an open socket never reconnects to catch up by itself.
        """
        if self.user.is_authenticated:
            await presence.refresh(self.room, self.user, self.channel_name)
        if await self.room.messages.filter(pk__gt=self.synced_id).aexists():
            await self.catch_up()

    async def catch_up(self):
        """Send what this tab has not been sent, or the latest page if too much."""
        missed = await database_sync_to_async(self.missed_messages)()
        if missed is None:
            latest = await database_sync_to_async(self.room.latest_messages)()
            await self.send_fragment(
                "messages-update", {"messages": latest, "swap": "innerHTML"}
            )
            self.sent_ids = {message.pk for message in latest}
            self.synced_id = latest[-1].pk if latest else 0
            return
        await self.send_messages([m for m in missed if m.pk not in self.sent_ids])
        if missed:
            self.synced_id = max(self.synced_id, missed[-1].pk)
            # Ids under the oldest one read can never be missed again.
            self.sent_ids = {pk for pk in self.sent_ids if pk >= missed[0].pk}

    async def send_messages(self, messages):
        if messages:
            await self.send_fragment("messages-update", {"messages": messages})
            self.sent_ids.update(message.pk for message in messages)

    def missed_messages(self):
        """Return messages after the synced one, or None if unknown or too many."""
        if self.synced_id is None:
            return None
        messages = self.room.messages.with_author().after(self.synced_id)
        missed = list(messages[: CATCH_UP_LIMIT + 1])
        return None if len(missed) > CATCH_UP_LIMIT else missed

    def cursor_from_query(self):
        """Return the newest message id the page has (?after=), or None."""
        after = parse_qs(self.scope["query_string"].decode()).get("after", [""])[0]
        return int(after) if re.fullmatch(r"[0-9]{1,18}", after) else None

    async def send(self, text_data=None, bytes_data=None, close=False):
        # The tab has gone. ASGI servers raise OSError on a closed socket,
        # then deliver websocket.disconnect, whose handler cleans up; let
        # the error escape and the consumer would end without cleaning up.
        with contextlib.suppress(OSError):
            await super().send(text_data, bytes_data, close)

    async def send_fragment(self, partial, context):
        context = {
            "room": self.room,
            "user": self.user,
            "form": MessageForm(),
            **context,
        }
        await self.send(
            text_data=render_to_string(f"rooms/room.html#{partial}", context)
        )
