"""Render once, send once: every live update a room or a person receives."""

import asyncio
import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from rooms.live import events
from rooms.live.background import run_in_background

logger = logging.getLogger(__name__)

# Seconds between attempts to deliver a stored message while the channel
# layer is down (Redis restarting, say): about a minute in all.
RETRY_DELAYS = (0.5, 1, 2, 4, 8, 15, 30)


def room_group(room_id):
    return f"room.{room_id}"


def user_group(user_id):
    return f"user.{user_id}"


# Every process's rooms follow it: a person's new name or avatar shows in
# every room with their messages.
PEOPLE_GROUP = "people"

# Every process's fan-out follows it, for its sockets' sidebars.
SIDEBARS_GROUP = "sidebars"


def drawn(template_name, context):
    """The fragment in every language the chat speaks, for a broadcast:
    drawn once per language, never once per reader."""
    html = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            html[code] = render_to_string(template_name, context)
    return html


async def message_posted(message):
    """Send a stored message to its room; return False if that failed for now.

    Open sockets never catch up by themselves, so a failed send is retried
    in the background until the layer is back.
    """
    # For the broadcast latency (site_config/metrics.py).
    stored_at = time.time()
    html = drawn("rooms/room.html#message-posted", {"messages": [message]})
    # Sidebars count it unread for its room's members, but for a reply only
    # in its thread, which leaves the room read.
    mentions = message.mentioned().values() if message.in_room else ()
    event = events.MessagePosted(
        html,
        message.room_id,
        message.pk,
        listed_fields(message.room),
        in_room=message.in_room,
        author=message.author_id,
        mentions=[person.pk for person in mentions],
        stored_at=stored_at,
    ).to_layer()
    group = room_group(message.room_id)
    try:
        await get_channel_layer().group_send(group, event)
    except Exception:
        logger.exception("Could not broadcast message %s; retrying", message.pk)
        run_in_background(_send_eventually(group, event))
        return False
    return True


def message_changed(message):
    """Show an edit, a deletion or a reaction wherever the message is shown.

    Sync, unlike the others: its callers are sync, and the fragment reads
    the author from the database, which the event loop may not.
    """
    html = drawn("rooms/room.html#messages-changed", {"messages": [message]})
    event = events.MessageChanged(html, message.room_id, message.pk, message.revision)
    async_to_sync(_send_now_or_eventually)(
        room_group(message.room_id), event.to_layer()
    )


def person_changed(user):
    """Show a person's new name and avatar in every open room, in place.

    Sync, like message_changed: its callers are sync views.
    """
    html = drawn("rooms/room.html#person-update", {"person": user})
    event = events.PersonChanged(html, user.pk)
    async_to_sync(_send_now_or_eventually)(PEOPLE_GROUP, event.to_layer())


def room_changed(room):
    """Show a room's new name, topic or archiving to those in it, and in
    the sidebars that list it.

    Sync, like message_changed: its callers are sync views.
    """
    html = drawn("rooms/room.html#room-changed", {"room": room})
    event = events.RoomChanged(html, room.pk, listed_fields(room))
    async_to_sync(_send_now_or_eventually)(room_group(room.pk), event.to_layer())


def listed_fields(room):
    """What a sidebar entry shows of a room, for the events that redraw it."""
    # archived as a flag: the entry only asks whether, and layers carry
    # no datetimes.
    fields = {"slug": room.slug, "name": room.name, "kind": room.kind}
    return fields | {"archived": bool(room.archived)}


async def _send_now_or_eventually(group, event):
    try:
        await get_channel_layer().group_send(group, event)
    except Exception:
        logger.exception("Could not broadcast to %s; retrying", group)
        run_in_background(_send_eventually(group, event))


async def people_changed(room, online, *, joined=(), left=()):
    context = {"room": room, "online": online, "joined": joined, "left": left}
    html = drawn("rooms/room.html#people-update", context)
    event = events.PeopleChanged(html, room.pk)
    await get_channel_layer().group_send(room_group(room.pk), event.to_layer())


async def typing(room, user):
    """Tell a room this person is typing: a hint, so dropped if it fails."""
    html = drawn("rooms/room.html#typing-update", {"typist": user})
    event = events.Typing(html, room.pk, user.pk)
    try:
        await get_channel_layer().group_send(room_group(room.pk), event.to_layer())
    except Exception as error:
        logger.warning("Typing notice in room %s dropped: %r", room.pk, error)


async def user_signed_out(user_id, reason="signed-out"):
    """Tell every open socket of this person that the session is over.

    Send it once the session or account has changed: a socket still
    connecting reads them again after joining the person's group
    (Consumer.still_signed_in).
    """
    try:
        await get_channel_layer().group_send(
            user_group(user_id), events.SignedOut(reason).to_layer()
        )
    except Exception:
        # The session ends without the channel layer: an outage must not
        # keep anyone signed in.
        logger.exception("Could not close the sockets of user %s", user_id)


async def room_read(user_id, room):
    """Tell this person's other tabs they have read the room: its sidebar
    entries are no longer unread. A hint: dropped if it fails."""
    event = events.RoomRead(room.pk, listed_fields(room)).to_layer()
    try:
        await get_channel_layer().group_send(user_group(user_id), event)
    except Exception as error:
        logger.warning("Read mark of room %s not shown: %r", room.pk, error)


async def member_removed(room_id, user_id, reason="removed"):
    """Unlist a room in this person's sidebars and close their sockets to it:
    they may no longer read it ("removed", "left"), or left an open room
    ("left-open-room", read on in the tabs that show it)."""
    event = events.MemberRemoved(room_id, reason).to_layer()
    await get_channel_layer().group_send(user_group(user_id), event)


async def room_added(room_id, user_id):
    """List a room in this person's open sidebars: they may read it now."""
    await get_channel_layer().group_send(
        user_group(user_id), events.RoomAdded(room_id).to_layer()
    )


async def room_opened(room):
    """List a new open room in every signed-in sidebar: anyone may read it.

    One entry for all: a room just opened is nobody's open room, and has
    nothing unread.
    """
    html = drawn("rooms/sidebar.html#entry-added", {"room": room})
    event = events.RoomOpened(html, room.pk)
    await get_channel_layer().group_send(SIDEBARS_GROUP, event.to_layer())


async def _send_eventually(group, event):
    for delay in RETRY_DELAYS:
        await asyncio.sleep(delay)
        try:
            await get_channel_layer().group_send(group, event)
        except Exception as error:
            logger.warning("Retry to %s failed: %r", group, error)
            continue
        logger.info("Delivered to %s after the channel layer recovered", group)
        return
    logger.error(
        "Gave up broadcasting to %s; members see it when they reconnect", group
    )
