"""What accounts tells the rest of the chat, which answers in its own
signals module (rooms/signals.py): accounts imports nothing of rooms."""

from django.dispatch import Signal

# A person's name or picture changed (person=): every open room shows it.
person_changed = Signal()

# A person was banned (person=, by=): their messages are deleted. Each
# receiver answers how many it deleted.
person_banned = Signal()
