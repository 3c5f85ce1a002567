"""Stock Channels: the tutorial's chat consumer, on the project's channel layer.

The shape of Channels' tutorial (part 3): join a group on connect,
group_send what arrives, and each consumer's handler sends it on. The one
change: the handler sends the chat's HTML for the message, built once by
the sender, so the bytes on the wire match the chat's. Run with
`uvicorn bench.stock:application` and the project's settings.
"""

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings")
django.setup()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from bench.bare import fragment, ids  # noqa: E402


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room_group_name = f"chat_{self.scope['url_route']['kwargs']['slug']}"
        await self.channel_layer.group_add(self.room_group_name, self.channel_name)
        await self.accept()

    async def disconnect(self, close_code):
        await self.channel_layer.group_discard(self.room_group_name, self.channel_name)

    async def receive(self, text_data):
        message = json.loads(text_data)["message"]
        await self.channel_layer.group_send(
            self.room_group_name,
            {"type": "chat.message", "html": fragment(next(ids), message)},
        )

    async def chat_message(self, event):
        await self.send(text_data=event["html"])


application = AllowedHostsOriginValidator(
    AuthMiddlewareStack(
        URLRouter([path("ws/rooms/<slug:slug>/", ChatConsumer.as_asgi())])
    )
)
