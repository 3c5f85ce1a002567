from django.urls import path

from rooms.live.consumers.lobby import LobbyConsumer
from rooms.live.consumers.room import RoomConsumer

websocket_urlpatterns = [
    path("ws/rooms/<slug:slug>/", RoomConsumer.as_asgi(), name="socket"),
    path("ws/lobby/", LobbyConsumer.as_asgi(), name="lobby-socket"),
]
