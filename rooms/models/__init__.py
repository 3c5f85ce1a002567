"""The chat's models, one module each, with their querysets beside them."""

from .attachment import Attachment
from .delivery import Delivery
from .imported import Imported
from .incoming_webhook import IncomingWebhook
from .link_preview import LinkPreview
from .membership import Membership
from .message import (
    MESSAGE_MAX_LENGTH,
    REACTIONS,
    Message,
    MessageQuerySet,
    count_messages_posted_since,
)
from .message_version import MessageVersion
from .presence import Presence
from .read_mark import ReadMark
from .room import PAGE_SIZE, TOPIC_MAX_LENGTH, UNREAD_SHOWN, Page, Room, RoomArchived
from .sweep_cursor import SweepCursor
from .thread_follow import ThreadFollow

__all__ = [
    "Attachment",
    "Delivery",
    "Imported",
    "IncomingWebhook",
    "LinkPreview",
    "MESSAGE_MAX_LENGTH",
    "PAGE_SIZE",
    "REACTIONS",
    "Membership",
    "Message",
    "MessageQuerySet",
    "MessageVersion",
    "Page",
    "Presence",
    "ReadMark",
    "Room",
    "RoomArchived",
    "TOPIC_MAX_LENGTH",
    "UNREAD_SHOWN",
    "SweepCursor",
    "ThreadFollow",
    "count_messages_posted_since",
]
