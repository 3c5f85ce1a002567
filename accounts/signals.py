"""What accounts tells the rest of the chat, which answers in its own
signals module (rooms/signals.py): accounts imports nothing of rooms."""

from django.dispatch import Signal

# A person's name or picture changed (person=): every open room shows it.
person_changed = Signal()

# A person is being banned (person=, by=), inside the ban's transaction:
# their messages are deleted with it. Each receiver answers how many it
# deleted.
person_banned = Signal()
