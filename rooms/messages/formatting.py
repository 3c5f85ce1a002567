"""A message's body as HTML: the chat's subset of Markdown, links, mentions
and :shortcodes: of emoji.

markdown-it-py does the parsing and the HTML. Raw HTML is never enabled,
so whatever a person types that looks like a tag stays text; the only
links are web and mail addresses typed in full (or starting "www.") and
mentions of people the message was stored with.
"""

import re
import urllib.parse
from functools import cache, lru_cache

from django.urls import reverse
from django.utils.safestring import mark_safe
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from rooms.messages.emoji_names import with_shortcodes

# mdurl, under markdown-it, builds its table for encoding a link on first
# use and shares it before it is filled: two threads drawing their first
# links at once could read it half built (an IndexError the suite met).
# Built here, at import, before any thread draws.
normalizeLink("https://example.com/")

# "@name" where a username may start: not inside a word or an address.
# A name ends on a letter or digit, so "ask @bob." mentions bob.
MENTION = re.compile(r"(?<![\w.@+-])@([\w.@+-]*\w)")

# Whatever in one line of text any rule below, a link or a mention could
# start with: a body without any is a paragraph of its text, as typed.
MARKUP = re.compile(r"[*_~`\[\]\\<>@]|//|www\.|^[-+]|^\d+[.)]", re.IGNORECASE)

# What a chat formats: no headings, tables, images, raw HTML, entities or
# indented code; [text](url) links say where they go, after their text.
RULES = [
    "link",
    "emphasis",
    "strikethrough",
    "backticks",
    "fence",
    "blockquote",
    "list",
    "newline",
    "escape",
    "linkify",
]
LINK_SCHEMES = ("http://", "https://", "mailto:")
ROOM_PATH = re.compile(r"/rooms/[-a-zA-Z0-9_]+/")
# Opened in a new tab, not vouched for, and told nothing of the chat.
LINK_ATTRIBUTES = {
    "class": "message-link",
    "target": "_blank",
    "rel": "noopener noreferrer nofollow ugc",
}


class TypedLinks(LinkifyIt):
    """Find addresses with a scheme, or starting "www."; not "setup.py"."""

    def match(self, text):
        found = super().match(text) or []
        return [link for link in found if link.schema or is_www(link.text)] or None


def is_www(text):
    return text[:4].lower() == "www."


def is_allowed_link(url):
    """Allow http, https and mailto, and a room here ("/rooms/x/", as an
    import links channels); never javascript:, data: or the rest."""
    return url.lower().startswith(LINK_SCHEMES) or ROOM_PATH.fullmatch(url) is not None


@cache
def markdown():
    parser = MarkdownIt("zero", {"breaks": True, "linkify": True, "html": False})
    parser.enable(RULES)
    parser.linkify = TypedLinks(options={"fuzzy_email": True})
    parser.validateLink = is_allowed_link
    # A link's text is the address as typed: decoded for display, punycode
    # or %E2%80%AE could show another address than the one it opens.
    parser.normalizeLinkText = str
    parser.core.ruler.push("chat", chat_tokens)
    return parser


def render(body, mentioned):
    """Return body as HTML; mentioned maps usernames to people to link,
    each shown by their display name (their profile read with them)."""
    people = tuple(
        sorted(
            (name, (person.pk, shown_name(person)))
            for name, person in mentioned.items()
        )
    )
    return rendered(body, people)


def shown_name(person):
    # No profile reads as a missing attribute (RelatedObjectDoesNotExist).
    profile = getattr(person, "profile", None)
    return (profile and profile.display_name) or person.username


# A message is drawn for every page, catch-up and change that shows it, and
# a body made to be slow to parse would be slow every time.
@lru_cache(maxsize=1024)
def rendered(body, people):
    # Safe: markdown-it escapes all text and attributes, and makes no raw
    # HTML; plain_html escapes as it does.
    if is_plain(body):
        return mark_safe(plain_html(body))
    return mark_safe(markdown().render(body, {"mentioned": dict(people)}))


def is_plain(body):
    """Whether body is one line that Markdown would draw as its text alone:
    most messages are, and need no parsing."""
    return (
        body.isprintable()  # no line breaks, tabs or other spaces than " "
        and body == body.strip()
        and body != ""
        and MARKUP.search(body) is None
    )


def plain_html(body):
    """A plain body (is_plain) as Markdown draws it, emoji and all."""
    return f"<p>{escapeHtml(with_shortcodes(body))}</p>\n"


def web_links(body):
    """Return the web addresses body links to, as drawn (not those in
    code), each once, in order."""
    found = []
    for token in markdown().parse(body, {"mentioned": {}}):
        for child in token.children or ():
            href = child.attrs.get("href", "") if child.type == "link_open" else ""
            if href.lower().startswith(("http://", "https://")) and href not in found:
                found.append(href)
    return found


def chat_tokens(state):
    """Give links, strikes, code blocks and mentions the chat's markup."""
    for token in state.tokens:
        if token.type == "fence" and token.info.strip():
            # Shown as a label by the stylesheet (code[data-language]).
            token.attrs["data-language"] = token.info.split()[0]
        elif token.type == "inline" and token.children:
            token.children = list(inline_tokens(token.children, state.env))


def inline_tokens(children, env):
    in_link = False
    host = None
    for token in children:
        if token.type == "link_open":
            in_link = True
            # Written as [text](url), not typed as an address: its host next.
            if token.markup != "linkify":
                host = shown_host(token.attrs["href"])
            token.attrs.update(LINK_ATTRIBUTES)
        elif token.type == "link_close":
            in_link = False
            if host:
                yield token
                yield from host_tokens(host)
                host = None
                continue
        elif token.type in ("s_open", "s_close"):
            token.tag = "del"
        elif token.type == "text" and not in_link:
            # Text only: code keeps its colons, a link its address.
            token.content = with_shortcodes(token.content)
            if env["mentioned"]:
                yield from mention_tokens(token, env["mentioned"])
                continue
        yield token


def shown_host(url):
    """Return the host a link goes to, as the address bar would show it
    (punycode, so no look-alike letters), or its address for mail."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() == "mailto":
        return parts.path
    try:
        return (parts.hostname or "").encode("idna").decode()
    except UnicodeError:
        return parts.hostname


def host_tokens(host):
    span = Token("span_open", "span", 1)
    span.attrs = {"class": "message-link-host"}
    yield span
    yield text_token(f" ({host})")
    yield Token("span_close", "span", -1)


def mention_tokens(token, mentioned):
    """Split a text token around mentions of people found
    (username: (pk, name shown))."""
    start = 0
    for found in MENTION.finditer(token.content):
        if found[1] not in mentioned:
            continue
        pk, shown = mentioned[found[1]]
        yield text_token(token.content[start : found.start()])
        link = Token("link_open", "a", 1)
        link.attrs = {
            "class": "mention",
            "data-user": str(pk),
            "href": reverse("rooms:direct", args=[found[1]]),
        }
        yield link
        yield text_token(f"@{shown}")
        yield Token("link_close", "a", -1)
        start = found.end()
    yield text_token(token.content[start:])


def text_token(content):
    token = Token("text", "", 0)
    token.content = content
    return token
