"""The one way a message is posted, from the page, the socket, the API and
bots' answers: checked, stored, drawn once, sent once, and the poster told.
"""

from dataclasses import dataclass

from asgiref.sync import async_to_sync
from django.core.exceptions import ValidationError

from rooms import metrics
from rooms.live import broadcast, db
from rooms.messages.forms import MessageForm
from rooms.models import Message, RoomArchived


@dataclass
class Posted:
    """What became of a message: its form, with the errors of a refusal; the
    message, once stored; whether it went out live (stored but not sent:
    broadcast retries it, and every reconnect catches up on it)."""

    form: MessageForm
    message: Message | None = None
    delivered: bool = False

    @property
    def refused(self):
        return self.message is None


def post(room, author, data, files=None, *, thread=None):
    """Post from sync code (a view, a sweep); return Posted. With thread
    (a message of room that starts a thread), a reply in it."""
    posted = check_and_store(room, author, data, files, thread)
    if not posted.refused:
        posted.delivered = async_to_sync(broadcast.message_posted)(posted.message)
    return posted


async def apost(room, author, data):
    """Post from the event loop (a socket): one trip to the database thread."""
    posted = await db.run(check_and_store, room, author, data)
    if not posted.refused:
        posted.delivered = await broadcast.message_posted(posted.message)
    return posted


def check_and_store(room, author, data, files=None, thread=None):
    """Check the message against the form and the limits, then store it."""
    form = MessageForm(data, files, author=author)
    if not form.is_valid():
        return Posted(form)
    fields = form.cleaned_data
    try:
        message = room.post(
            author,
            fields["message"],
            fields["attachments"],
            thread=thread,
            also_in_room=fields["also_send_to_room"],
            check=form.check_limits,
        )
    except RoomArchived as archived:
        form.add_error("message", archived)
        return Posted(form)
    except ValidationError as over_limit:  # another post of theirs came first
        form.add_error(None, over_limit)
        return Posted(form)
    metrics.messages_posted.inc()
    return Posted(form, message)
