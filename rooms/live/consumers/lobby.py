from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string

from rooms.live import broadcast, events, fanout
from rooms.live.consumers.base import CLOSE_SIGNED_OUT, Consumer
from rooms.live.consumers.sidebar import Sidebar


class LobbyConsumer(Sidebar, Consumer):
    """A signed-in person's lobby: their rooms, unread ones marked live."""

    async def connect(self):
        await self.accept()
        if not self.user.is_authenticated:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        self.outbox = fanout.Outbox(self.scope)
        await self.channel_layer.group_add(
            broadcast.user_group(self.user.pk), self.channel_name
        )
        if not await self.still_signed_in():
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        await self.follow_sidebar()

    async def disconnect(self, code):
        await self.unfollow_sidebar()
        if self.user.is_authenticated:
            await self.channel_layer.group_discard(
                broadcast.user_group(self.user.pk), self.channel_name
            )

    async def user_signed_out(self, message):
        # The page must not go on showing the person's rooms and name.
        html = render_to_string(
            "rooms/sidebar.html#signed-out-update", {"user": AnonymousUser()}
        )
        await self.send(text_data=html)
        await self.close(code=CLOSE_SIGNED_OUT)

    async def user_removed(self, message):
        await self.stop_watching(events.MemberRemoved.from_layer(message).room_id)
