"""Slack's message markup ("mrkdwn") as the chat's Markdown, for imports
and incoming webhooks alike.

Slack writes *bold*, _italic_, ~strike~, <url|label>, <@U123> mentions,
<#C123|name> channels and <!here>, and escapes &, < and > as entities.
Code spans and blocks are kept as written, entities aside. The result is
text, formatted like any message: nothing in it reaches a page as HTML.
"""

import re

# ```code``` (maybe on one line), `code`, and <…> links and names.
CODE_BLOCK = re.compile(r"```(.*?)```", re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]+`")
ANGLED = re.compile(r"<([^<>\n]+)>")
# Slack's marks need no letter or digit outside them: "*bold*", not "2*3*4".
BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])")
STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])")
# A placeholder for what the marks above must not touch.
KEPT = re.compile("\x00(\\d+)\x00")
# What the chat's Markdown would read as marks in text meant as plain.
MARKDOWN_MARKS = re.compile(r"([\\`*_~\[\]<>#|])")
SPECIAL_NAMES = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}
LINK_SCHEMES = ("http://", "https://", "mailto:")


def to_markdown(text, people=None, rooms=None):
    """Return Slack's mrkdwn as the chat's Markdown.

    people maps Slack user ids to usernames here and rooms channel ids to
    (slug, name), for an import; without them, or for an id they lack, a
    mention or a channel keeps the name Slack gave with it, or its id.
    """
    if not isinstance(text, str) or not text.strip():
        return ""
    text = text.replace("\x00", "")  # the placeholders' mark
    kept = []

    def keep(replacement):
        kept.append(replacement)
        return f"\x00{len(kept) - 1}\x00"

    text = CODE_BLOCK.sub(lambda m: keep(code_block(m[1])), text)
    text = CODE_SPAN.sub(lambda m: keep(unescape(m[0])), text)
    text = ANGLED.sub(lambda m: keep(angled(m[1], people or {}, rooms or {})), text)
    text = BOLD.sub(r"**\1**", text)
    text = ITALIC.sub(r"*\1*", text)
    text = STRIKE.sub(r"~~\1~~", text)
    text = unescape(text)
    return KEPT.sub(lambda m: kept[int(m[1])], text).strip()


def code_block(code):
    # Ours opens and closes on lines of their own.
    return f"\n```\n{unescape(code).strip(chr(10))}\n```\n"


def angled(inside, people, rooms):
    """Return what <…> says: a link, a person, a room or a special name."""
    target, _, label = inside.partition("|")
    label = unescape(label)
    if target.startswith("@"):  # a person: ours if known, else the name given
        username = people.get(target[1:])
        return f"@{username or label.lstrip('@') or target[1:]}"
    if target.startswith("#"):  # a channel: a link to its room if known
        slug, name = rooms.get(target[1:], (None, label or target[1:]))
        return f"[#{plain(name)}](/rooms/{slug}/)" if slug else f"#{name}"
    if target.startswith("!"):  # <!here>, <!date^…|fallback>, <!subteam^…|@team>
        name = target[1:].split("^")[0]
        return SPECIAL_NAMES.get(name) or label or f"@{name}"
    return link(unescape(target), label)


def link(url, label=""):
    """Return a link the chat's Markdown draws, or the text if not a link."""
    if not url.lower().startswith(LINK_SCHEMES):
        return plain(label or url)
    if not label or label == url:
        return url.removeprefix("mailto:") if url.startswith("mailto:") else url
    # No brackets in a label or spaces in a URL: either would end the link early.
    label = plain(label)
    return f"[{label}]({url.replace(' ', '%20').replace(')', '%29')})"


def unescape(text):
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain(text):
    """Return plain text that the chat's Markdown shows as it is."""
    return MARKDOWN_MARKS.sub(r"\\\1", text) if isinstance(text, str) else ""
