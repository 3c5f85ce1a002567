"""Change a stored message, then show the change in every open room.

The socket, the no-JavaScript forms and the admin all change messages
through these, so each change is stored once and broadcast once. Each asks
the permission first: callers cannot forget it.
"""

from django.core.exceptions import PermissionDenied

from . import broadcast


def edit(message, user, body):
    if not message.can_be_edited_by(user):
        raise PermissionDenied
    message.edit(body)
    broadcast.message_changed(message)


def delete(message, user):
    if not message.can_be_deleted_by(user):
        raise PermissionDenied
    message.remove()
    broadcast.message_changed(message)


def react(message, user, emoji):
    if not message.can_be_reacted_to_by(user):
        raise PermissionDenied
    message.toggle_reaction(user, emoji)
    broadcast.message_changed(message)
