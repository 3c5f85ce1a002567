"""One heartbeat per process, for all of its sockets.

Every beat keeps the presence rows of the process's signed-in sockets alive
(one UPDATE), sweeps lapsed rows in every room (people on a process that
died leave after the TTL, even from a room nobody is left in), and sends each
socket any stored message or change it was not sent: group messages are at
most once (a Redis restart, a full channel) and an open socket never
reconnects to catch up by itself. It reads the new message ids once per room;
only a socket that was not sent one of them reads the messages.
"""

import asyncio
import logging

from rooms.live import db, fanout, presence
from rooms.live.background import run_in_background
from rooms.models import Message, Room

logger = logging.getLogger(__name__)

# More new messages than this in a room since a beat's oldest cursor there
# (a busy room, a long stall): its sockets catch up one by one instead.
RECENT_LIMIT = 2000

_beating = None


def start():
    """Start this process's heartbeat, once."""
    global _beating
    if _beating is None:
        _beating = run_in_background(_beat_forever())


async def _beat_forever():
    while True:
        await asyncio.sleep(presence.heartbeat().total_seconds())
        try:
            await beat()
        except Exception:
            # A database blip must not stop the heartbeat for good.
            logger.exception("Heartbeat failed; trying again next time")


async def beat():
    sockets = {room: list(members) for room, members in fanout.rooms.members.items()}
    await presence.refresh(
        (socket.room, socket.user, socket.channel_name)
        for members in sockets.values()
        for socket in members
        if socket.user.is_authenticated
    )
    await presence.say_all_goodbyes()
    floors = {
        room: min((s.synced_id for s in members if s.synced_id is not None), default=0)
        for room, members in sockets.items()
    }
    recent = await db.run(_message_ids_after, floors)
    revisions = await db.run(_room_revisions, list(sockets))
    behind = [
        socket
        for room, members in sockets.items()
        for socket in members
        if not socket.settle(recent.get(room))
        or revisions.get(room, 0) > socket.synced_revision
    ]
    for error in await asyncio.gather(
        *(socket.catch_up() for socket in behind), return_exceptions=True
    ):
        if isinstance(error, Exception):
            logger.error("Catch-up failed", exc_info=error)


def _message_ids_after(floors):
    """Return each room's message ids after its floor, or None if too many."""
    recent = {}
    for room, floor in floors.items():
        ids = Message.objects.filter(room=room, pk__gt=floor).order_by("pk")
        ids = list(ids.values_list("pk", flat=True)[: RECENT_LIMIT + 1])
        recent[room] = ids if len(ids) <= RECENT_LIMIT else None
    return recent


def _room_revisions(room_ids):
    return dict(Room.objects.filter(pk__in=room_ids).values_list("pk", "revision"))
