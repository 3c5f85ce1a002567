"""Change a stored message, then show the change in every open room.

The socket, the no-JavaScript forms and the admin all change messages
through these, so each change is stored once and broadcast once. The
message checks the permission itself (PermissionDenied), under its room's
lock: callers cannot forget it, nor act on a stale copy. Each change
counts against its person's limit (limits.TooFast) before anything else.
A caller's own transaction (the admin's deletions, a ban) may hold the
room's lock: each change is broadcast once that transaction commits, never
from under it, nor before what it shows is there to read.
"""

from django.db import transaction

from accounts import limits
from rooms.live import broadcast
from rooms.sweeps import deliveries


def edit(message, user, body):
    limits.edits.check(user.pk)
    message.edit(body, by=user)
    shown_on_commit(message)
    deliveries.tell_newly_mentioned(message, message.newly_mentioned)


def delete(message, user):
    limits.edits.check(user.pk)
    message.remove(by=user)
    shown_on_commit(message)


def react(message, user, emoji):
    limits.reactions.check(user.pk)
    message.toggle_reaction(emoji, by=user)
    shown_on_commit(message)


def remove_preview(message, user, preview_id):
    limits.edits.check(user.pk)
    message.remove_link_preview(preview_id, by=user)
    shown_on_commit(message)


def delete_all(messages):
    """Delete many messages at once, past any one person's limit: a ban's,
    the admin's bulk deletion. All of them or none, in the caller's
    transaction if any; each is shown deleted once it commits. Return how
    many were deleted."""
    with transaction.atomic():
        removed = messages.remove_all()
        for message in removed:
            shown_on_commit(message)
    return len(removed)


def shown_on_commit(message):
    transaction.on_commit(lambda: broadcast.message_changed(message))
