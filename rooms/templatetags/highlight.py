"""{{ html|highlight:words }}: the words found, marked in a safe HTML's text."""

import html
import re

from django import template
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe

# A tag, whole. In formatted text (rooms/messages/formatting.py) every "<" and ">"
# of text and attribute values is escaped, so a "<" only ever opens a tag.
TAG = re.compile(r"(<[^>]*>)")

register = template.Library()


@register.filter
def highlight(safe_html, words):
    """Mark each word or phrase, and the rest of a word it begins; any case.

    Only text is marked, never a tag or its attributes (a link's address).
    """
    safe_html = conditional_escape(safe_html)  # anything unsafe stays text
    if not words:
        return safe_html
    # Longest first, so a phrase wins over a word inside it.
    longest = sorted(words, key=len, reverse=True)
    found = re.compile(
        "|".join(re.escape(word) + r"\w*" for word in longest), re.IGNORECASE
    )
    parts = TAG.split(safe_html)
    # Odd parts are tags, kept as they are; even ones text, read and marked.
    return mark_safe(
        "".join(
            part if index % 2 else _marked(html.unescape(part), found)
            for index, part in enumerate(parts)
        )
    )


def _marked(text, found):
    pieces, start = [], 0
    for match in found.finditer(text):
        pieces.append(escape(text[start : match.start()]))
        pieces.append(format_html("<mark>{}</mark>", match[0]))
        start = match.end()
    pieces.append(escape(text[start:]))
    return "".join(pieces)
