"""Link previews: the server reads each linked page once, after the message
is stored, and shows what it says under the message as an edit is shown.

A sweep over stored messages, as for webhooks (rooms/sweeps/webhooks.py),
so posting never waits and does nothing more than it did. A round claims
the next messages (the "previews" SweepCursor, under its lock, in a short
transaction: one process reads each message, once, whoever reads it),
keeps those with web links (the first LINKS_PER_MESSAGE of each), and
returns. Each message's pages are then read in this process's own few
threads (rooms/sweeps/link_pages.py), with no transaction or lock held:
a page that never answers, or answers 100 MB, holds one of those threads
until its deadline and delays nothing but its own preview, not the next
round nor the event loop. What was found is stored with the room's next
revision and broadcast like an edit (Message.add_link_previews,
broadcast.message_changed), so a socket that was away catches up on it.
At most once: a process stopped mid-read loses those previews.
"""

import asyncio
import functools
import logging
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.timezone import now

from accounts import limits
from rooms.live import broadcast, db
from rooms.live.background import (
    Sweep,
    first_unless_locked,
    run_in_background,
    sweep_transaction,
)
from rooms.messages.formatting import web_links
from rooms.models import LinkPreview, Message, SweepCursor
from rooms.sweeps import link_pages

logger = logging.getLogger(__name__)

BATCH = 200
LINKS_PER_MESSAGE = 3
RECENT = timedelta(minutes=1)
# Pages read at once in one process; more wait their turn. Reading is
# mostly waiting on the network, and each read ends by its deadline.
READERS = 4

_readers = ThreadPoolExecutor(READERS, thread_name_prefix="link-preview")
# Per site, in each process: a chat full of one site's links must not
# make the server hammer it, nor be made to.
sites = limits.Rate("LINK_PREVIEW_SITE_RATE_LIMIT")


async def preview_new_messages():
    """Claim what was posted since the last round and start reading its
    links; return how many messages had some."""
    claimed = await db.run(claim_next_links)
    for message_id, urls in claimed:
        run_in_background(preview(message_id, urls))
    return len(claimed)


def claim_next_links():
    """Move the cursor past the next messages; return (id, links) for
    those with web links."""
    cursor = SweepCursor.objects.filter(name="previews").first()
    if cursor and not Message.objects.filter(pk__gt=cursor.last_message_id).exists():
        # Nothing new: no transaction, which on SQLite is the write lock,
        # every second in every process.
        return []
    with sweep_transaction():
        # Turned on, it previews the last minute's messages too: they may
        # be posted while the first round starts.
        SweepCursor.make_if_new("previews", posted_before=now() - RECENT)
        cursor = first_unless_locked(SweepCursor.objects.filter(name="previews"))
        if cursor is None:
            return []  # another process is on it
        messages = list(
            Message.objects.posted_here()
            .filter(pk__gt=cursor.last_message_id)
            .order_by("pk")
            .values_list("pk", "body")[:BATCH]
        )
        if not messages:
            return []
        cursor.last_message_id = messages[-1][0]
        cursor.save(update_fields=["last_message_id"])
    claimed = []
    for message_id, body in messages:
        # Most messages have no link: they are not parsed.
        if "://" in body and (urls := web_links(body)[:LINKS_PER_MESSAGE]):
            claimed.append((message_id, urls))
    return claimed


async def preview(message_id, urls):
    """Read a message's linked pages, then show what they say under it."""
    loop = asyncio.get_running_loop()
    read = functools.partial(
        link_pages.read_page,
        seconds=settings.LINK_PREVIEW_TIMEOUT_SECONDS,
        allow_private=settings.LINK_PREVIEW_ALLOW_PRIVATE,
    )
    reads = [
        loop.run_in_executor(_readers, read, url)
        for url in urls
        if sites.allows(site_of(url))
    ]
    pages = []
    for page in await asyncio.gather(*reads, return_exceptions=True):
        if isinstance(page, Exception):
            logger.error(
                "Reading a link of message %s failed", message_id, exc_info=page
            )
        elif page is not None:
            pages.append(page)
    if pages:
        try:
            await db.run(show, message_id, pages)
        except Exception:
            # A task of its own: nobody else would hear of it.
            logger.exception("Could not show the previews of message %s", message_id)


def site_of(url):
    """Return the scheme, host and port a link's page is on: one site."""
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2].lower()}"


def show(message_id, pages):
    """Store the pages' previews under the message and broadcast it."""
    previews = []
    try:
        for page in pages:
            shown = LinkPreview(
                url=page.url, title=page.title, description=page.description
            )
            if page.picture is not None:
                shown.store_image(page.picture)
            previews.append(shown)
        message = Message.objects.get(pk=message_id)
        message.add_link_previews(previews)
    except BaseException as error:
        for shown in previews:
            shown.delete_image()
        if isinstance(error, (Message.DoesNotExist, PermissionDenied)):
            return  # deleted meanwhile: nothing to show them under
        raise
    broadcast.message_changed(Message.objects.with_author().get(pk=message_id))


def enabled():
    return settings.LINK_PREVIEWS


# Started by site_config/lifespan.py.
sweep = Sweep(preview_new_messages, settings.LINK_PREVIEW_SWEEP_SECONDS)
