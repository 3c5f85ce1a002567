"""Change a stored message, then show the change in every open room.

The socket, the no-JavaScript forms and the admin all change messages
through these, so each change is stored once and broadcast once. The
message checks the permission itself (PermissionDenied), under its room's
lock: callers cannot forget it, nor act on a stale copy. Each change
counts against its person's limit (limits.TooFast) before anything else.
"""

from rooms.live import broadcast
from rooms.sweeps import deliveries
from site_config import limits


def edit(message, user, body):
    limits.edits.check(user.pk)
    message.edit(body, by=user)
    broadcast.message_changed(message)
    deliveries.tell_newly_mentioned(message, message.newly_mentioned)


def delete(message, user):
    limits.edits.check(user.pk)
    message.remove(by=user)
    broadcast.message_changed(message)


def react(message, user, emoji):
    limits.reactions.check(user.pk)
    message.toggle_reaction(emoji, by=user)
    broadcast.message_changed(message)


def remove_preview(message, user, preview_id):
    limits.edits.check(user.pk)
    message.remove_link_preview(preview_id, by=user)
    broadcast.message_changed(message)
