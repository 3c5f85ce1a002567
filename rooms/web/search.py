"""A search as typed: its filters (in:, from:, before:, after:) and words."""

import re

from rooms.models.message_queryset import search_terms

# A quoted phrase first, so a filter inside one stays words; then a filter
# ("in:#general", 'from:"Ada Lovelace"'); then any other word.
PART = re.compile(
    r'-?"[^"]*"'
    r'|(?P<key>in|from|before|after):(?P<value>[#@]?"[^"]*"|[^\s"]+)'
    r'|[^\s"]+',
    re.IGNORECASE,
)


def read(query):
    """Return the words of a search and its filters ({key: [value, …]}).

    Each value is as typed, less its # or @ and quotes; the words are the
    rest of the query, as typed.
    """
    words, filters, start = [], {}, 0
    for part in PART.finditer(query):
        if part["key"]:
            value = part["value"].lstrip("#@").strip('"').strip()
            filters.setdefault(part["key"].lower(), []).append(value)
            words.append(query[start : part.start()])
            start = part.end()
    words.append(query[start:])
    return " ".join(piece.strip() for piece in words if piece.strip()), filters


def marked(words):
    """Return the words and phrases a result shows marked: not the excluded."""
    return [text for excluded, text in search_terms(words) if not excluded]
