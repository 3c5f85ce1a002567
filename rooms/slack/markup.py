"""Slack's message markup ("mrkdwn") as this chat's Markdown.

Slack writes *bold*, _italic_, ~strike~, <url|label>, <@U123> mentions,
<#C123|name> channels and <!here>, and escapes &, < and > as entities.
Code spans and blocks are kept as written, entities aside.
"""

import html
import re

# ```blocks``` first, then `spans`: what lies inside stays as it is.
CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
# <…>: a link, a mention, a channel or a special word; never across lines.
ANGLED = re.compile(r"<([^<>\n]+)>")
BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")


def to_markdown(text, people, rooms):
    """Return Slack's text as ours.

    people maps Slack user ids to usernames here, rooms channel ids to
    (slug, name); unknown ids keep the name Slack gave, or the id.
    """
    pieces, start = [], 0
    for code in CODE.finditer(text):
        pieces.append(_prose(text[start : code.start()], people, rooms))
        pieces.append(html.unescape(code.group()))
        start = code.end()
    pieces.append(_prose(text[start:], people, rooms))
    return "".join(pieces)


def _prose(text, people, rooms):
    # The emphasis first: a link's label is converted with it, and a URL's
    # underscores and asterisks, still inside <…>, are left alone.
    parts = ANGLED.split(text)
    for i in range(0, len(parts), 2):
        parts[i] = _emphasis(parts[i])
    for i in range(1, len(parts), 2):
        parts[i] = _angled(parts[i], people, rooms)
    return html.unescape("".join(parts))


def _emphasis(text):
    text = BOLD.sub(r"**\1**", text)
    text = ITALIC.sub(r"*\1*", text)
    return STRIKE.sub(r"~~\1~~", text)


def _angled(inside, people, rooms):
    target, _, label = inside.partition("|")
    if target.startswith("@"):
        username = people.get(target[1:])
        return f"@{username}" if username else f"@{label or target[1:]}"
    if target.startswith("#"):
        slug, name = rooms.get(target[1:], (None, label or target[1:]))
        return f"[#{name}](/rooms/{slug}/)" if slug else f"#{name}"
    if target.startswith("!"):
        word = target[1:].split("^")[0]
        if word in ("here", "channel", "everyone"):
            return f"@{word}"
        return label or word  # a date, a user group: what Slack showed
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    if label and label != target:
        return f"[{_emphasis(label)}]({target})"
    return target
