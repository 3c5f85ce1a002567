"""Read what a linked page says of itself: its title, description and
picture (Open Graph, then <title>), from its head alone.

Every request goes through the outbound guard (accounts/outbound.py:
public addresses only, pinned, no redirect followed blindly), streams, and
stops at a byte cap and a deadline, so a page that never answers or sends
100 MB costs one worker a few seconds and a few hundred kilobytes. What a
page says is only ever text, cut to the model's lengths; its picture is
decoded and re-encoded here, as an upload's is, never kept as sent.
"""

import codecs
import contextlib
import html
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser

import requests
from PIL import ImageOps
from urllib3.exceptions import HTTPError

from accounts import outbound, pictures
from rooms.messages import uploads
from rooms.models.attachment import EXTENSIONS
from rooms.models.link_preview import DESCRIPTION_LENGTH, TITLE_LENGTH, URL_LENGTH

# A page's head is rarely past 100 kB; what comes after it is never read.
MAX_PAGE_BYTES = 256 * 1024
# As large as a picture one may attach (MAX_UPLOAD_BYTES by default).
MAX_PICTURE_BYTES = 10 * 1024 * 1024
# Shown at most SHOWN_SIZE beside the text; kept at twice that, for sharp
# screens.
SHOWN_SIZE = (120, 120)
PICTURE_SIZE = (240, 240)
MAX_REDIRECTS = 3
PAGE_TYPES = ("text/html", "application/xhtml+xml")
# Compressed answers are refused: a small one can unpack to gigabytes.
HEADERS = {
    "User-Agent": "chat-link-preview",
    "Accept": "text/html, image/*;q=0.8",
    "Accept-Encoding": "identity",
}


@dataclass
class Page:
    """What a page says of itself, ready to store."""

    url: str
    title: str
    description: str
    picture: uploads.Upload | None = None


def read_page(url, *, seconds, allow_private=False):
    """Return the Page at url, or None if it has no title or description,
    is not public https, or is not read within seconds."""
    deadline = time.monotonic() + seconds
    parser = HeadParser()
    found = fetch(url, deadline, allow_private, PAGE_TYPES, parser.read)
    if found is None:
        return None
    title = text(parser.said("title") or parser.title, TITLE_LENGTH)
    description = text(
        parser.said("description") or parser.meta.get("description"),
        DESCRIPTION_LENGTH,
    )
    if not (title or description):
        return None
    picture = None
    if image := parser.said("image"):
        image_url = urllib.parse.urljoin(found, image.strip())
        picture = read_picture(image_url, deadline, allow_private)
    # The title is the link's words: the site's name if the page gave none.
    title = title or urllib.parse.urlsplit(found).hostname
    return Page(url, title, description, picture)


def read_picture(url, deadline, allow_private):
    """Return the picture at url, shrunk and re-encoded, or None."""
    data = bytearray()

    def keep(chunk, content_type):
        data.extend(chunk)
        return len(data) > MAX_PICTURE_BYTES  # too large: read no more

    found = fetch(url, deadline, allow_private, ("image/",), keep)
    if not found or len(data) > MAX_PICTURE_BYTES:
        return None
    try:
        with pictures.open_picture(bytes(data)) as image:
            format = "JPEG" if image.format == "MPO" else image.format
            if format not in uploads.IMAGE_FORMATS:
                return None
            # The first frame only: a preview does not move.
            with pictures.budget.decoding(pictures.pixels_of(image)):
                image.seek(0)
                still = ImageOps.exif_transpose(image)
                still.thumbnail(PICTURE_SIZE)
                format = "PNG" if format == "GIF" else format
                encoded = uploads.encode(still, format)
                width, height = uploads.fitted(still.size, SHOWN_SIZE)
    except (pictures.NotAPicture, pictures.TooLarge):
        return None
    except (OSError, SyntaxError, ValueError, EOFError):
        return None  # damaged past its header
    content_type = uploads.IMAGE_FORMATS[format]
    name = "preview" + EXTENSIONS[content_type]
    return uploads.Upload(name, content_type, encoded, None, width, height)


def fetch(url, deadline, allow_private, types, consume):
    """GET url and hand its body to consume(chunk, content type) until that
    returns True or the deadline; follow a few redirects, each checked.
    Return the URL read (after redirects), or None."""
    checked = outbound.session(allow_private=allow_private)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not may_fetch(url, allow_private):
                return None
            with checked.get(
                url, headers=HEADERS, stream=True, timeout=remaining
            ) as response:
                if response.is_redirect:
                    location = response.headers["Location"]
                    url = urllib.parse.urljoin(url, location)
                    continue
                content_type = response.headers.get("Content-Type", "").lower()
                encoding = response.headers.get("Content-Encoding", "identity")
                if (
                    response.status_code != 200
                    or not content_type.startswith(types)
                    or encoding.lower() not in ("", "identity")
                ):
                    return None
                read(response, deadline, consume, content_type)
                return url
    except (requests.RequestException, HTTPError, OSError, UnicodeError, ValueError):
        return None
    return None


def read(response, deadline, consume, content_type):
    # A read waits for its whole chunk, so a page sending a byte now and
    # then would keep it past any timeout: the connection is shut at the
    # deadline, which ends a read under way.
    connection = response.raw.connection
    sock = connection and connection.sock
    timer = threading.Timer(max(0, deadline - time.monotonic()), shut, [sock])
    timer.start()
    try:
        for chunk in response.raw.stream(16 * 1024, decode_content=False):
            if consume(chunk, content_type) or time.monotonic() > deadline:
                return
    finally:
        timer.cancel()


def shut(sock):
    with contextlib.suppress(OSError, AttributeError):
        sock.shutdown(socket.SHUT_RDWR)


def may_fetch(url, allow_private):
    """https with a host (http too, on loopback, for tests); the guard's
    connection checks and pins the address."""
    parts = urllib.parse.urlsplit(url)
    schemes = ("https", "http") if allow_private else ("https",)
    return len(url) <= URL_LENGTH and parts.scheme in schemes and bool(parts.hostname)


def text(value, length):
    """Return what a page said as one line of plain text, at most length."""
    value = " ".join((value or "").split())
    value = "".join(c for c in value if c.isprintable())
    return value if len(value) <= length else value[: length - 1].rstrip() + "…"


def decoder_for(content_type):
    """Return a decoder for the charset the page's type names; UTF-8 if it
    names none, or one Python does not know."""
    charset = content_type.partition("charset=")[2].split(";")[0].strip(" \"'")
    try:
        decoder = codecs.getincrementaldecoder(charset or "utf-8")
    except LookupError:
        decoder = codecs.getincrementaldecoder("utf-8")
    return decoder(errors="replace")


class HeadParser(HTMLParser):
    """Gather a page's <title> and meta tags until its body starts."""

    WANTED = (
        *("og:title", "og:description", "og:image", "description"),
        *("twitter:title", "twitter:description", "twitter:image"),
    )

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta = {}
        self.title = None
        self.title_parts = None
        self.done = False
        self.size = 0
        self.decoder = None

    def read(self, chunk, content_type):
        """Feed a chunk of the page's bytes; return True when done."""
        if self.decoder is None:
            self.decoder = decoder_for(content_type)
        self.size += len(chunk)
        self.feed(self.decoder.decode(chunk))
        return self.done or self.size > MAX_PAGE_BYTES

    def said(self, name):
        """Return what the page's Open Graph tag says, else its Twitter one."""
        return self.meta.get(f"og:{name}") or self.meta.get(f"twitter:{name}")

    def handle_starttag(self, tag, attrs):
        if self.done:
            return  # the rest of a chunk, past the head
        if tag == "body":
            self.done = True
        elif tag == "title" and self.title is None:
            # Text to its end tag, as a browser reads it: a <script> in a
            # title is words.
            self.title_parts = []
            self.set_cdata_mode(tag)
        elif tag == "meta":
            attrs = dict(attrs)
            key = (attrs.get("property") or attrs.get("name") or "").lower()
            content = attrs.get("content")
            if key in self.WANTED and content and key not in self.meta:
                self.meta[key] = content

    def handle_endtag(self, tag):
        if self.done:
            return
        if tag == "head":
            self.done = True
        elif tag == "title" and self.title_parts is not None:
            self.title = html.unescape("".join(self.title_parts))
            self.title_parts = None

    def handle_data(self, data):
        if self.title_parts is not None:
            self.title_parts.append(data)
