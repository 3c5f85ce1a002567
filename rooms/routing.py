from django.urls import path

from .consumers import LobbyConsumer, RoomConsumer

websocket_urlpatterns = [
    path("ws/rooms/<slug:slug>/", RoomConsumer.as_asgi(), name="socket"),
    path("ws/lobby/", LobbyConsumer.as_asgi(), name="lobby-socket"),
]
