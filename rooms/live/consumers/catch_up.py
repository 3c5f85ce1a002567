"""What a room socket has been sent, and sending it what it has not.

A socket is sent a room's messages two ways: live, as each is broadcast,
and by catch-up, read from the database on (re)connect and whenever the
heartbeat finds it behind. Either may come first; each message and each
change is sent once, and an older copy never replaces a newer one.
"""

import re
from collections import OrderedDict
from urllib.parse import parse_qs

from rooms import metrics
from rooms.live import db, events
from rooms.live.frames import PreparedText
from rooms.models import PAGE_SIZE, Room

CATCH_UP_LIMIT = 500

# Frames of missed messages, by what they show: in a reconnect storm (a
# deploy closed every tab at the room's newest message) each socket misses
# the same messages, drawn and compressed once in this process. A message's
# fragment is the same for every viewer of a language, and its revision
# changes with it;
# a new name or picture changes it too, and forgets them all.
_drawn = OrderedDict()
DRAWN_LIMIT = 64


def forget_drawings():
    """Someone's name or picture changed: draw every message anew."""
    _drawn.clear()


class CatchUp:
    """The catch-up cursor of a room consumer, and its reads and sends.

    The consumer provides room, outbox and render().
    """

    # Every message up to synced_id has been read from the database and
    # sent; sent_ids holds what was sent beyond that, live or by catch-up.
    synced_id = None
    sent_ids = frozenset()
    # Sent ids under this are forgotten at the next catch-up: the read before
    # last saw nothing older, and a live copy still on its way (a busy
    # process runs behind) is recognised until then.
    forget_below = 0
    # Every change (edit, deletion, reaction) up to synced_revision has been
    # read and sent; changes_sent maps message ids to the revision sent
    # beyond that, so neither a repeat nor an older copy replaces it.
    synced_revision = 0
    changes_sent = None

    def start_cursor(self):
        """Take the cursor from the page the socket was opened by."""
        self.synced_id = self.cursor_from_query("after")
        self.synced_revision = self.cursor_from_query("revision") or 0
        self.sent_ids = set()
        self.changes_sent = {}

    def is_unsent(self, event):
        """Return whether a live broadcast is news to this socket; note it."""
        match event:
            case events.MessageChanged(id=changed_id, revision=revision):
                # Sent already, by the catch-up or live: an older copy must
                # not replace a newer one.
                if revision <= self.synced_revision:
                    return False
                if revision <= self.changes_sent.get(changed_id, 0):
                    return False
                self.changes_sent[changed_id] = revision
            case events.MessagePosted(id=message_id):
                if message_id in self.sent_ids:
                    return False  # the heartbeat's catch-up got there first
                self.sent_ids.add(message_id)
        return True

    async def catch_up(self):
        """Send what this tab has not been sent, or the latest page if too much."""
        read = await db.run(self.read_missed, frozenset(self.sent_ids))
        if read is None:
            latest, revision, newest = await db.run(self.read_latest)
            self.send_drawn("messages-update", latest, swap="innerHTML")
            metrics.catch_up_messages.inc(len(latest))
            self.sent_ids = {message.pk for message in latest}
            # Past thread-only replies too: each open thread was drawn whole.
            self.synced_id = max([newest, *self.sent_ids])
            self.synced_revision, self.changes_sent = revision, {}
            return
        missed, ids, changed = read
        # Live delivery may have sent some of them while the query ran.
        unsent = [m for m in missed if m.pk not in self.sent_ids]
        if unsent:
            metrics.catch_up_messages.inc(len(unsent))
        self.send_messages(unsent)
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
            self.send_drawn("messages-changed", fresh[start : start + PAGE_SIZE])
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
            self.send_drawn("messages-update", page)
            self.sent_ids.update(message.pk for message in page)

    def send_drawn(self, partial, messages, **context):
        """Send messages drawn with partial, drawing them once per process."""
        key = (
            self.language,
            partial,
            *context.items(),
            *((m.pk, m.revision) for m in messages),
        )
        frame = _drawn.pop(key, None)
        if frame is None:
            html = self.render(partial, {"messages": messages, **context})
            frame = PreparedText(html)
        _drawn[key] = frame  # the most recently used last
        if len(_drawn) > DRAWN_LIMIT:
            _drawn.popitem(last=False)
        self.outbox.put(frame)

    def read_latest(self):
        """Return the latest page, and the room's revision and newest message
        id read before it."""
        revision = Room.objects.values_list("revision", flat=True).get(pk=self.room.pk)
        newest = self.room.newest_message_id()
        return self.room.latest_messages(), revision, newest

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
