"""Parts of a message drawn once per process for each way they can look.

Every message posted is drawn, once per language, and most look like many
before them: the same reaction buttons (most carry no reactions), the same
author's name and picture. These tags draw such a part the first time it
looks a given way in a language and reuse it after.

{% reaction_buttons message %}: the `reaction-buttons` partial.
{% author_links person %}: the `message-author` partial.
{% common_emoji %}: the reaction chooser's first options, rooms/emoji_options.html.
"""

from django import template
from django.template.loader import get_template
from django.utils import translation

from accounts import profiles
from accounts.templatetags.people import is_bot
from rooms.messages import emoji_names

# Ways each part looked lately; a new message's always among them.
KEEP = 1000

register = template.Library()


class _Drawn:
    def __init__(self, partial):
        self.partial = partial
        self.html = {}

    def get(self, look, context):
        """Return the partial drawn with context; look: all that it shows."""
        drawing = get_template(self.partial)
        # Keyed by the template too: an edited template (make run) draws
        # anew; and by the language it is drawn in.
        key = (drawing.template, translation.get_language(), *look)
        html = self.html.get(key)
        if html is None:
            if len(self.html) >= KEEP:
                self.html.clear()
            html = self.html[key] = drawing.render(context)
        return html


_reaction_buttons = _Drawn("rooms/room.html#reaction-buttons")
_author_links = _Drawn("rooms/room.html#message-author")
_emoji_options = _Drawn("rooms/emoji_options.html")


@register.simple_tag
def reaction_buttons(message):
    reactions = message.reactions()
    look = [(r["emoji"], r["reactors"], *r["names"]) for r in reactions]
    return _reaction_buttons.get(look, {"reactions": reactions})


@register.simple_tag
def author_links(person):
    look = (
        person.username,
        profiles.display_name(person),
        profiles.avatar_version(person),
        is_bot(person),
    )
    return _author_links.get(look, {"person": person})


@register.simple_tag
def common_emoji():
    found, more = emoji_names.find("")
    return _emoji_options.get((), {"choices": found, "more": more})
