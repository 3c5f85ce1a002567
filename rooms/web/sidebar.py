"""What the sidebar lists for a person: on a page, and over its socket."""

from rooms.models import Room


def sidebar_context(user, current_room=None):
    """Return the sidebar's template context: rooms, conversations, which is open.

    Signed in, each room carries has_unread and muted (with_unread_for).
    """
    if user.is_authenticated:
        rooms = list(Room.objects.with_unread_for(user))
    else:
        rooms = list(Room.objects.visible_to(user))
    return {
        "sidebar_rooms": [room for room in rooms if not room.is_direct],
        "sidebar_conversations": [room for room in rooms if room.is_direct],
        "current_room": current_room,
        "user": user,
    }
