"""Who is in a room: one row per open socket, kept alive by heartbeats.

htmx closes the socket of every hidden tab, so a closed socket keeps its
person present for a grace period; a process that dies stops heartbeating,
so its rows lapse after the TTL and the next sweep in that room says goodbye.
"""

import asyncio
import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError
from django.utils import timezone

from rooms.live import broadcast, db
from rooms.live.background import run_in_background, sweep_transaction
from rooms.models import Presence, Room

logger = logging.getLogger(__name__)


def heartbeat():
    return timedelta(seconds=settings.PRESENCE_HEARTBEAT_SECONDS)


def ttl():
    return timedelta(seconds=settings.PRESENCE_TTL_SECONDS)


def grace():
    return timedelta(seconds=settings.PRESENCE_GRACE_SECONDS)


# Arrivals and departures in a room are announced together, at most once
# per window: a deploy reconnects everyone at once, and one announcement
# per arrival, each sent to everyone, would be N² messages.
ANNOUNCE_WINDOW_SECONDS = 0.5
_announcements = {}


async def online(room):
    """Return the people with a live socket in the room, by name."""
    return await db.run(list, Presence.objects.people_in(room))


async def arrive(room, user, channel_name):
    """Record a socket; announce the person if they were not already here."""
    if not await db.run(_arrive, room, user, channel_name):
        _announce(room, joined=[user])


async def refresh(sockets):
    """Keep the rows of these (room, user, channel name) sockets alive."""
    by_name = {name: (room, user) for room, user, name in sockets}
    if not by_name:
        return
    for name in await db.run(_refresh, list(by_name)):
        # Swept while the process was stalled: come back.
        room, user = by_name[name]
        try:
            await arrive(room, user, name)
        except IntegrityError:  # the account was deleted: end its sockets
            await broadcast.user_signed_out(user.pk, "account-changed")


async def depart(room, channel_name):
    """Let the socket's row lapse after the grace period, then check who left."""
    updated = await db.run(
        Presence.objects.filter(channel_name=channel_name).update,
        expires=timezone.now() + grace(),
        closed=True,
    )
    if updated:
        _check_for_goodbyes_after_grace(room)


async def say_all_goodbyes():
    """Sweep every room with lapsed rows, whichever process they were on."""
    for room in await db.run(_rooms_with_lapsed_rows):
        await say_goodbyes(room)


def _rooms_with_lapsed_rows():
    # In a sweep's transaction, as each room's sweep: a query that joins two
    # tables can deadlock with a TRUNCATE (a test's flush) or a migration,
    # and only the transaction's lock timeout makes it give way in time.
    with sweep_transaction():
        lapsed = Presence.objects.expired()
        return list(Room.objects.filter(presences__in=lapsed).distinct())


async def say_goodbyes(room):
    left = await db.run(_sweep, room)
    if left:
        _announce(room, left=left)


# Room pk -> loop time of the next goodbye check already scheduled there:
# a deploy closes every socket at once, and one sweep covers them all.
_goodbye_checks = {}


def _check_for_goodbyes_after_grace(room):
    now = asyncio.get_running_loop().time()
    lapses = now + grace().total_seconds()
    if _goodbye_checks.get(room.pk, 0) > lapses:
        return
    due = _goodbye_checks[room.pk] = lapses + ANNOUNCE_WINDOW_SECONDS
    run_in_background(_say_goodbyes_at(room, due))


async def _say_goodbyes_at(room, due):
    await asyncio.sleep(due - asyncio.get_running_loop().time())
    if _goodbye_checks.get(room.pk) == due:
        del _goodbye_checks[room.pk]
    try:
        await say_goodbyes(room)
    except DatabaseError as error:
        # A lock held elsewhere (the sweep gives way) or a blip: the rows
        # stay lapsed, and the heartbeat's sweep says goodbye instead.
        logger.warning("Goodbyes in room %s left to the heartbeat: %r", room.pk, error)


class _Announcement:
    def __init__(self, room):
        self.room = room
        self.joined = {}
        self.left = {}
        run_in_background(self.send_later())

    async def send_later(self):
        await asyncio.sleep(ANNOUNCE_WINDOW_SECONDS)
        del _announcements[self.room.pk]
        try:
            # As they show: read once for the announcement, with their profiles.
            people = await db.run(_as_shown, [*self.joined, *self.left])
            await broadcast.people_changed(
                self.room,
                await online(self.room),
                joined=[people[pk] for pk in self.joined if pk in people],
                left=[people[pk] for pk in self.left if pk in people],
            )
        except Exception as error:
            # A hint, as typing is: the next arrival or goodbye says it again.
            logger.warning("Presence in room %s not announced: %r", self.room.pk, error)


def _as_shown(user_ids):
    users = get_user_model().objects.filter(pk__in=user_ids).select_related("profile")
    return {user.pk: user for user in users}


def _announce(room, joined=(), left=()):
    announcement = _announcements.get(room.pk)
    if announcement is None:
        announcement = _announcements[room.pk] = _Announcement(room)
    for user in joined:
        announcement.joined[user.pk] = user
        announcement.left.pop(user.pk, None)
    for user in left:
        announcement.left[user.pk] = user
        announcement.joined.pop(user.pk, None)


def _refresh(names):
    """Renew the named rows; return the names that had no row left."""
    rows = Presence.objects.filter(channel_name__in=names)
    if rows.filter(closed=False).update(expires=timezone.now() + ttl()) == len(names):
        return []
    kept = set(rows.values_list("channel_name", flat=True))
    return [name for name in names if name not in kept]


def _arrive(room, user, channel_name):
    """Record the socket; return whether its person was already here."""
    was_here = Presence.objects.live().filter(room=room, user=user).exists()
    # One row per socket, in one statement; a socket may sign out and in again.
    row = Presence(
        room=room, user=user, channel_name=channel_name, expires=timezone.now() + ttl()
    )
    Presence.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["channel_name"],
        update_fields=["room", "user", "expires", "closed"],
    )
    return was_here


def _sweep(room):
    """Delete lapsed rows; return the people left with no live socket."""
    # Runs as sockets close, so often just as a test's flush begins: see
    # _rooms_with_lapsed_rows.
    with sweep_transaction():
        lapsed = Presence.objects.expired().filter(room=room)
        lapsed = list(lapsed.values("pk", "user_id"))
        if not lapsed:
            return []
        deleted, _ = Presence.objects.filter(
            pk__in=[row["pk"] for row in lapsed]
        ).delete()
        if not deleted:
            return []  # another sweeper got there first and announces
        gone = {row["user_id"] for row in lapsed}
        staying = Presence.objects.filter(room=room, user_id__in=gone).values("user_id")
        users = get_user_model().objects.filter(pk__in=gone).exclude(pk__in=staying)
        return list(users.order_by("username"))
