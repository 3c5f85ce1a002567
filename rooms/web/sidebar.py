"""What the sidebar lists for a person: on a page, and over its socket."""

from rooms.models import Room, ThreadFollow


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


def page_sidebar_context(user, current_room=None):
    """sidebar_context, with how many followed threads have new replies:
    for pages only (the socket redraws the lists, not the Threads link)."""
    context = sidebar_context(user, current_room)
    if user.is_authenticated:
        context["unread_threads"] = ThreadFollow.objects.unread_count(user)
    return context
