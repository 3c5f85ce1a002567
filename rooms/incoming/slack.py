"""Slack's message payloads as the chat's Markdown: blocks and attachments
around the text, which rooms/slack/markup.py converts.

Pure functions: a payload in, a body's text out. The body stays text, so it
is stored, searched, edited and drawn like any message; nothing a payload
says can reach the page as HTML. Pictures become links: a reader's browser
never loads anything from another site.
"""

from datetime import UTC, datetime

from rooms.slack.markup import link, plain, to_markdown

DIVIDER = "———"


def payload_text(payload):
    """Return a payload's message as the chat's Markdown: its blocks (or,
    without blocks, its text), then its attachments; "" if it says nothing."""
    parts = [blocks_text(payload.get("blocks"))]
    if not parts[0]:
        parts = [to_markdown(payload.get("text"))]
    parts += [attachment_text(a) for a in as_list(payload.get("attachments"))]
    return "\n\n".join(part for part in parts if part)


def text_object(obj):
    """Return a block's text object ({"type": "mrkdwn"|"plain_text", "text"})."""
    if not isinstance(obj, dict):
        return ""
    if obj.get("type") == "mrkdwn":
        return to_markdown(obj.get("text"))
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
    lines.append(to_markdown(attachment.get("text")))
    for field in as_list(attachment.get("fields")):
        lines.append("\n".join(filter(None, [field_title(field), mrkdwn_of(field)])))
    lines.append(picture(attachment.get("image_url"), "Picture"))
    lines.append(footer(attachment))
    body = "\n".join(filter(None, lines)) or plain(attachment.get("fallback"))
    quoted = "\n".join(f"> {line}".rstrip() for line in body.splitlines())
    return "\n\n".join(filter(None, [to_markdown(attachment.get("pretext")), quoted]))


def field_title(field):
    title = plain(field.get("title"))
    return f"**{title}**" if title else ""


def mrkdwn_of(field):
    value = field.get("value")
    return to_markdown(str(value)) if isinstance(value, str | int | float) else ""


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
