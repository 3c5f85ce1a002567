"""Slack's message payloads as the chat's Markdown (rooms/messages/formatting.py).

Pure functions: a payload in, a body's text out. The body stays text, so it
is stored, searched, edited and drawn like any message; nothing a payload
says can reach the page as HTML. Pictures become links: a reader's browser
never loads anything from another site.
"""

import re
from datetime import UTC, datetime

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
DIVIDER = "———"


def payload_text(payload):
    """Return a payload's message as the chat's Markdown: its blocks (or,
    without blocks, its text), then its attachments; "" if it says nothing."""
    parts = [blocks_text(payload.get("blocks"))]
    if not parts[0]:
        parts = [mrkdwn(payload.get("text"))]
    parts += [attachment_text(a) for a in as_list(payload.get("attachments"))]
    return "\n\n".join(part for part in parts if part)


def mrkdwn(text):
    """Return Slack's mrkdwn as the chat's Markdown."""
    if not isinstance(text, str) or not text.strip():
        return ""
    text = text.replace("\x00", "")  # the placeholders' mark
    kept = []

    def keep(replacement):
        kept.append(replacement)
        return f"\x00{len(kept) - 1}\x00"

    text = CODE_BLOCK.sub(lambda m: keep(code_block(m[1])), text)
    text = CODE_SPAN.sub(lambda m: keep(unescape(m[0])), text)
    text = ANGLED.sub(lambda m: keep(angled(m[1])), text)
    text = BOLD.sub(r"**\1**", text)
    text = ITALIC.sub(r"*\1*", text)
    text = STRIKE.sub(r"~~\1~~", text)
    text = unescape(text)
    return KEPT.sub(lambda m: kept[int(m[1])], text).strip()


def code_block(code):
    # Ours opens and closes on lines of their own.
    return f"\n```\n{unescape(code).strip(chr(10))}\n```\n"


def angled(inside):
    """Return what <…> says: a link, a person, a room or a special name."""
    target, _, label = inside.partition("|")
    label = unescape(label)
    if target.startswith("@"):  # a Slack person: the name, if it came along
        return f"@{label.lstrip('@') or target[1:]}"
    if target.startswith("#"):  # a Slack channel
        return f"#{label or target[1:]}"
    if target.startswith("!"):  # <!here>, <!date^…|fallback>, <!subteam^…|@team>
        name = target[1:].split("^")[0]
        return SPECIAL_NAMES.get(name) or label or f"@{name}"
    return link(unescape(target), label)


def link(url, label=""):
    """Return a link the chat's Markdown draws, or the text if not a link."""
    if not url.lower().startswith(LINK_SCHEMES):
        return plain(label or url)
    if not label or label == url:
        return url
    # No brackets in a label or spaces in a URL: either would end the link early.
    label = plain(label)
    return f"[{label}]({url.replace(' ', '%20').replace(')', '%29')})"


def unescape(text):
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain(text):
    """Return plain text that the chat's Markdown shows as it is."""
    return MARKDOWN_MARKS.sub(r"\\\1", text) if isinstance(text, str) else ""


def text_object(obj):
    """Return a block's text object ({"type": "mrkdwn"|"plain_text", "text"})."""
    if not isinstance(obj, dict):
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(obj.get("text"))
    return plain(obj.get("text")).strip()


def blocks_text(blocks):
    """Return Block Kit's common blocks as Markdown; others are left out."""
    return "\n\n".join(filter(None, (block_text(b) for b in as_list(blocks))))


def block_text(block):
    kind = block.get("type")
    if kind == "section":
        fields = [text_object(f) for f in as_list(block.get("fields"))]
        return "\n".join(filter(None, [text_object(block.get("text")), *fields]))
    if kind == "header":
        title = text_object(block.get("text"))
        return f"**{title}**" if title else ""
    if kind == "context":
        return " · ".join(
            filter(None, (context_element(e) for e in as_list(block.get("elements"))))
        )
    if kind == "divider":
        return DIVIDER
    if kind == "image":
        title = text_object(block.get("title"))
        return picture(block.get("image_url"), title or block.get("alt_text"))
    return ""


def context_element(element):
    if element.get("type") == "image":
        return picture(element.get("image_url"), element.get("alt_text"))
    return text_object(element)


def picture(url, label):
    if not isinstance(url, str):
        return ""
    return link(url, label if isinstance(label, str) and label else "Picture")


def attachment_text(attachment):
    """Return a legacy attachment as Markdown: its pretext, then the rest
    quoted, as Slack draws it beside a coloured bar (the colour is left out)."""
    lines = []
    author = attachment.get("author_name")
    if isinstance(author, str) and author:
        lines.append(link(str(attachment.get("author_link") or ""), author))
    title = attachment.get("title")
    if isinstance(title, str) and title:
        lines.append(f"**{link(str(attachment.get('title_link') or ''), title)}**")
    lines.append(mrkdwn(attachment.get("text")))
    for field in as_list(attachment.get("fields")):
        lines.append("\n".join(filter(None, [field_title(field), mrkdwn_of(field)])))
    lines.append(picture(attachment.get("image_url"), "Picture"))
    lines.append(footer(attachment))
    body = "\n".join(filter(None, lines)) or plain(attachment.get("fallback"))
    quoted = "\n".join(f"> {line}".rstrip() for line in body.splitlines())
    return "\n\n".join(filter(None, [mrkdwn(attachment.get("pretext")), quoted]))


def field_title(field):
    title = plain(field.get("title"))
    return f"**{title}**" if title else ""


def mrkdwn_of(field):
    value = field.get("value")
    return mrkdwn(str(value)) if isinstance(value, str | int | float) else ""


def footer(attachment):
    parts = [plain(attachment.get("footer"))]
    try:
        when = datetime.fromtimestamp(float(attachment["ts"]), UTC)
        parts.append(f"{when:%Y-%m-%d %H:%M} UTC")
    except (KeyError, TypeError, ValueError, OverflowError, OSError):
        pass
    return " · ".join(filter(None, parts))


def as_list(value):
    """Return the objects in a list a payload gave, or none."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]
