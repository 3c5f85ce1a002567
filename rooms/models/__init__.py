"""The chat's models, one module each, with their querysets beside them."""

from .attachment import Attachment
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

__all__ = [
    "Attachment",
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
    "count_messages_posted_since",
]
