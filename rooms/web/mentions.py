"""Whom the composer offers as "@" is typed: people who may read the room.

The composer (static/js/mentions.js) asks as a name is typed and shows the
list the server draws; choosing one puts "@username " in the message, the
mention rooms/messages/formatting.py reads.
"""

from django.db.models import Case, Q, When

# Enough to choose from while typing; more letters narrow it.
OFFERED = 8


def offered(room, typed):
    """Return at most OFFERED active people who may read the room whose
    username, or a word of whose display name, starts with typed (any
    case); those whose username does come first."""
    people = room.readers().select_related("profile", "bot")
    if typed:
        people = people.filter(
            Q(username__istartswith=typed)
            | Q(profile__display_name__istartswith=typed)
            | Q(profile__display_name__icontains=f" {typed}")
        )
    by_username = Case(When(username__istartswith=typed, then=0), default=1)
    return people.order_by(by_username, "username")[:OFFERED]
