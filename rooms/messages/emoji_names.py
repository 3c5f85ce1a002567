"""Unicode's emoji and their names, from the emoji package's table.

Which emoji may be a reaction, finding them by name for the chooser, and
the :shortcodes: a message may type. The package follows Unicode's own
list, so a new emoji comes with an upgrade, not an edit here.
"""

import re
import unicodedata
from functools import cache

import emoji

# The chooser before anything is typed: what chats are mostly answered with.
COMMON = [
    "👍",
    "👎",
    "❤️",
    "😂",
    "🎉",
    "😮",
    "😢",
    "😡",
    "🙏",
    "👏",
    "🙌",
    "🔥",
    "💯",
    "✅",
    "❌",
    "👀",
    "🤔",
    "😊",
    "😍",
    "🥳",
    "😅",
    "🤣",
    "😎",
    "😬",
    "🙈",
    "😴",
    "👋",
    "🤝",
    "💪",
    "🚀",
    "⭐",
    "💡",
    "☕",
    "🍕",
    "🎂",
    "🐛",
    "⚠️",
    "📌",
]
# Enough to choose from; a few more letters of the name narrow it.
FOUND_LIMIT = 60


def is_emoji(text):
    """Whether text is one emoji as Unicode writes it in full (fully
    qualified), so "❤" and "❤️" are never two reactions."""
    data = emoji.EMOJI_DATA.get(text)
    return data is not None and data["status"] == emoji.STATUS["fully_qualified"]


def name_of(text):
    """Return an emoji's name as words: "🎉" is "party popper"."""
    return emoji.EMOJI_DATA[text]["en"].strip(":").replace("_", " ")


def find(typed):
    """Return (found, more): found, the (emoji, name) whose name or alias
    has typed in it, best first (a whole name, then its start, a word's
    start, anywhere), at most FOUND_LIMIT; more, whether more matched.
    COMMON if nothing is typed."""
    words = searchable(typed)
    if not words:
        return [(text, name_of(text)) for text in COMMON], False
    ranked = []
    for text, names in table():
        ranks = [
            rank for name in names if (rank := match_rank(name, words)) is not None
        ]
        if ranks:
            # A skin tone's variants after the emoji they vary.
            variant = "skin tone" in names[0]
            ranked.append((min(ranks), variant, len(names[0]), names[0], text))
    ranked.sort()
    found = [(text, name_of(text)) for *_, text in ranked[:FOUND_LIMIT]]
    return found, len(ranked) > FOUND_LIMIT


def match_rank(name, words):
    if name == words:
        return 0
    if name.startswith(words):
        return 1
    if f" {words}" in name:
        return 2
    if words in name:
        return 3
    return None


def searchable(text):
    """Lower case words without accents: "Piñata" and ":pinata:" meet."""
    text = text.strip().strip(":").replace("_", " ").casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join(
        "".join(c for c in decomposed if not unicodedata.combining(c)).split()
    )


@cache
def table():
    """Every emoji a reaction may be, with its name and aliases to search."""
    return [
        (text, [searchable(data["en"]), *map(searchable, data.get("alias", []))])
        for text, data in emoji.EMOJI_DATA.items()
        if is_emoji(text)
    ]


# ":name:" apart from the words around it: not the ":30:" of 12:30:45.
SHORTCODE = re.compile(r"(?<!\w):[^\s:]+:(?!\w)")


def with_shortcodes(text):
    """Return text with each :name: the table knows (a name or an alias,
    :tada: or :+1:) as its emoji; any other stays as typed."""
    if ":" not in text:
        return text
    return SHORTCODE.sub(lambda found: emoji.emojize(found[0], language="alias"), text)
