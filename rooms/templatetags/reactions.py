"""{% reaction_buttons message %}: a message's reaction buttons, drawn once
per process for each way they can look.

Every message carries them, and most carry no reactions: the same buttons,
drawn the same way, for every message posted.
"""

from django import template
from django.template.loader import get_template

BUTTONS = "rooms/room.html#reaction-buttons"
# Ways the buttons looked lately; a new message's always among them.
KEEP = 1000

register = template.Library()
_drawn = {}


@register.simple_tag
def reaction_buttons(message):
    reactions = message.reactions()
    buttons = get_template(BUTTONS)
    # Keyed by the template too: an edited template (make run) draws anew.
    key = (buttons.template, *(reaction["reactors"] for reaction in reactions))
    html = _drawn.get(key)
    if html is None:
        if len(_drawn) >= KEEP:
            _drawn.clear()
        html = _drawn[key] = buttons.render({"reactions": reactions})
    return html
