"""Every hostile payload rendered into every fragment that carries user text.

Each template is rendered twice: once with the payload in every user field
(message, username, room name, composer and form values) and once with a
harmless twin of the same shape. Their tags and attributes must match
exactly, so no payload adds an element or an attribute, or reaches an id,
href, hx-* or swap attribute. Only the text attributes below may differ.

A message body is formatted (rooms/messages/formatting.py), so its payload may add
the elements of formatting, and only those: each is checked against what
formatting may make, and every "<" typed shows as text.
"""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string

from rooms.messages.forms import MessageForm
from rooms.models import Attachment, LinkPreview, Message, MessageVersion, Room
from rooms.web import search
from rooms.web.forms import RoomForm

from .hostile_payloads import PAYLOADS

# The database does not matter to it: one of tests/run's two runs.
pytestmark = pytest.mark.one_run("sqlite")

# Attributes whose value is user text, escaped: the composer's value, its
# placeholder ("Message <room>"), the log's label ("Messages in <room>") and
# a picture's alternative text (its file's name).
TEXT_ATTRIBUTES = {"value", "placeholder", "aria-label", "alt"}
SENT = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)


# What formatting may put in a body, with the attributes each may carry.
FORMATTING = {
    "p": set(),
    "br": set(),
    "strong": set(),
    "em": set(),
    "del": set(),
    "code": {"class", "data-language"},
    "pre": set(),
    "blockquote": set(),
    "ul": set(),
    "ol": {"start"},
    "li": set(),
    "a": {"class", "href", "target", "rel", "data-user"},
}
LINK = re.compile(r"(https?://|mailto:)[^\s\"<>]*", re.IGNORECASE)


class Skeleton(HTMLParser):
    """Collect tags and attributes, and the text of each message body."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.body_tags = []
        self.bodies = []
        self.authors = []
        self.open_text = None
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class")
        if self.in_body:
            self.body_tags.append((tag, attrs))
            return
        self.tags.append((tag, [(k, self.shape(k, v)) for k, v in attrs]))
        if classes == "message-body":
            self.in_body = True
            self.bodies.append("")
        elif classes == "message-author":
            self.open_text = self.authors
            self.authors.append("")

    @staticmethod
    def shape(name, value):
        if name in TEXT_ATTRIBUTES:
            return "<text>"
        # A person's name links to the conversation with them, URL-quoted.
        if name == "href" and re.fullmatch(r"/dm/[^/?#]+/", value):
            return "/dm/<username>/"
        # So do their avatar and its picture, to their profile.
        if name == "href" and re.fullmatch(r"/people/[^/?#]+/", value):
            return "/people/<username>/"
        if name == "src" and re.fullmatch(r"/people/[^/?#]+/avatar/\?v=\d+", value):
            return "/people/<username>/avatar/"
        return value

    def handle_endtag(self, tag):
        if self.in_body and tag == "div":
            self.in_body = False
        if self.in_body:
            return
        self.tags.append(f"/{tag}")
        if tag in {"p", "span", "a"}:
            self.open_text = None

    def handle_data(self, data):
        if self.in_body:
            self.bodies[-1] += data
        elif self.open_text is not None:
            self.open_text[-1] += data


def assert_only_formatting(tags):
    for tag, attrs in tags:
        assert tag in FORMATTING, tag
        names = {name for name, _ in attrs}
        assert names <= FORMATTING[tag], (tag, attrs)
        values = dict(attrs)
        if tag == "a" and values["class"] == "message-link":
            assert LINK.fullmatch(values["href"]), values["href"]
            assert values["target"] == "_blank"
            assert values["rel"] == "noopener noreferrer nofollow ugc"
        elif tag == "a":
            assert values["class"] == "mention", values


def parse(html):
    skeleton = Skeleton()
    skeleton.feed(html)
    skeleton.close()
    return skeleton


def twin(payload):
    """Return a harmless string that renders to the same shape as payload."""
    return "".join(c if c.isspace() or c == "\x00" else "x" for c in payload)


def as_username(text):
    """Return text if it can be a username (sign-up checks), else its twin."""
    try:
        UnicodeUsernameValidator()(text)
    except ValidationError:
        return twin(text)
    return text


def renders(text):
    """Render every template that shows user text, with text in every field."""
    user = User(pk=3, username=as_username(text))
    # Not a bot, no profile, as with_author() reads them: no query.
    User.bot.related.set_cached_value(user, None)
    User.profile.related.set_cached_value(user, None)
    room = Room(pk=5, name=text, slug="general")
    message = Message(pk=7, room=room, author=user, body=text, created=SENT)
    # Mentions nobody, as if read with with_author(): no database here.
    # tests/http/test_unread.py renders a mention of an odd-looking name.
    message._prefetched_objects_cache = {"mentions": User.objects.none()}
    # Files named with the text: a picture and a download.
    message.keep_attachments(
        [
            Attachment(
                pk=1, name=text, content_type="image/png", size=9, width=4, height=3
            ),
            Attachment(pk=2, name=text, content_type="application/pdf", size=9),
        ]
    )
    # A link's preview saying the text, as a hostile page would.
    preview = LinkPreview(
        pk=1, url="https://example.com/", title=text, description=text, image="p.png"
    )
    message.keep_link_previews([preview])
    earlier = MessageVersion(message=message, body=text, written=SENT)
    people = {"room": room, "online": [user], "joined": [user], "left": [user]}
    page = {
        "room": room,
        "messages": [message],
        "after": message.pk,
        "online": [user],
        "user": user,
        "form": MessageForm(initial={"message": text}),
        "csrf_token": "token",
    }
    return {
        "broadcast": render_to_string(
            "rooms/room.html#messages-update", {"messages": [message]}
        ),
        "posted": render_to_string(
            "rooms/room.html#message-posted", {"messages": [message]}
        ),
        "typing": render_to_string("rooms/room.html#typing-update", {"typist": user}),
        "people": render_to_string("rooms/room.html#people-update", people),
        "room page": render_to_string("rooms/room.html", page),
        "anonymous room page": render_to_string(
            "rooms/room.html", {**page, "user": AnonymousUser()}
        ),
        "composer": render_to_string("rooms/room.html#composer-update", page),
        "viewer": render_to_string("rooms/room.html#viewer-update", page),
        "lobby": render_to_string(
            "rooms/lobby.html", {"sidebar_rooms": [room], "user": user}
        ),
        "sign-up": render_to_string(
            "registration/signup.html",
            {"form": UserCreationForm(initial={"username": text}), "next": "/"},
        ),
        "search": render_to_string(
            "rooms/search.html",
            {
                "terms": text,
                "results": [message],
                "marked": search.marked(text),
                "filters": {"rooms": [room], "people": [user]},
                "user": user,
            },
        ),
        "search refused": render_to_string(
            "rooms/search.html",
            {"terms": text, "errors": [f"No room called #{text} you can read."]},
        ),
        "new room": render_to_string(
            "rooms/new.html",
            {"form": RoomForm(initial={"name": text}), "csrf_token": "token"},
        ),
        "history": render_to_string(
            "rooms/message_history.html",
            {"message": message, "versions": [earlier], "user": user},
        ),
        "remove preview": render_to_string(
            "rooms/remove_preview.html",
            {"message": message, "preview": preview, "user": user},
        ),
    }


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_payload_changes_no_tag_or_attribute_and_stays_text(payload):
    harmless, pages = renders(twin(payload)), renders(payload)
    for name, html in pages.items():
        rendered, expected = parse(html), parse(harmless[name])
        assert rendered.tags == expected.tags, name
    broadcast = parse(pages["broadcast"])
    assert_only_formatting(broadcast.body_tags)
    assert_only_formatting(parse(renders(payload)["history"]).body_tags)
    # Raw HTML stays text: every "<" typed is shown.
    assert broadcast.bodies[0].count("<") == payload.count("<")
    assert broadcast.authors == [as_username(payload)]
    # Search marks the words found in the text, and changes nothing else.
    found = parse(pages["search"])
    assert found.bodies == broadcast.bodies
    assert_only_formatting(tag for tag in found.body_tags if tag != ("mark", []))


def test_the_corpus_is_large_and_has_no_duplicates():
    assert len(PAYLOADS) >= 80
    assert len(set(PAYLOADS)) == len(PAYLOADS)
