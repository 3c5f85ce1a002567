"""Render once, send once: every live update a room or a person receives."""

from channels.layers import get_channel_layer
from django.template.loader import render_to_string


def room_group(room_id):
    return f"room.{room_id}"


def user_group(user_id):
    return f"user.{user_id}"


async def message_posted(message):
    html = render_to_string("rooms/room.html#messages-update", {"messages": [message]})
    await _send_html(room_group(message.room_id), html)


async def people_changed(room, online, *, joined=(), left=()):
    context = {"room": room, "online": online, "joined": joined, "left": left}
    html = render_to_string("rooms/room.html#people-update", context)
    await _send_html(room_group(room.pk), html)


async def user_signed_out(user_id):
    """Tell every open socket of this person that the session is over."""
    await get_channel_layer().group_send(
        user_group(user_id), {"type": "user.signed_out"}
    )


async def _send_html(group, html):
    await get_channel_layer().group_send(group, {"type": "room.html", "html": html})
