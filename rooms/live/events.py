"""Every event the chat sends over the channel layer, by name.

Broadcasts go to a room's group, or to every process (people, sidebars):
each process's fan-out receives one and hands it to its sockets
(fanout.Rooms.pass_on says which sockets get which). Personal events go to
one person's group, where Channels calls the handler named by their
`type` on each of that person's sockets (user.signed_out → user_signed_out).

A layer carries dicts of plain values: to_layer() writes an event with its
kind, and from_layer() reads one back. A broadcast this release does not
know (a process of another release beside it, during a rolling deploy) is
dropped: each socket's heartbeat catch-up sends what it missed.
"""

from dataclasses import KW_ONLY, asdict, dataclass, field, fields


@dataclass
class Broadcast:
    """An update drawn once per language for every socket that shows it:
    html is {language code: text} (broadcast.drawn)."""

    html: dict

    def to_layer(self):
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.init}
        return {"kind": type(self).__name__, **values}


@dataclass
class MessagePosted(Broadcast):
    room: int
    id: int
    room_fields: dict  # what sidebars show of the room (broadcast.listed_fields)
    _: KW_ONLY
    in_room: bool  # False for a reply only in its thread
    author: int
    mentions: list  # ids of the people it mentions
    stored_at: float  # time.time() once stored: the broadcast's latency
    # Sidebar entries drawn for this event in this process, by (language,
    # count, muted).
    unread_entries: dict = field(default_factory=dict, init=False, repr=False)


@dataclass
class MessageChanged(Broadcast):
    """An edit, a deletion or a reaction."""

    room: int
    id: int
    revision: int


@dataclass
class Typing(Broadcast):
    room: int
    typist: int


@dataclass
class PeopleChanged(Broadcast):
    """Who is in the room now, who came and who went."""

    room: int


@dataclass
class RoomChanged(Broadcast):
    """A room's new name, topic or archiving."""

    room: int
    room_fields: dict


@dataclass
class PersonChanged(Broadcast):
    """A person's new name or avatar, for every room: sent to every process."""

    person: int


@dataclass
class RoomOpened(Broadcast):
    """A new open room, for every signed-in sidebar: sent to every process."""

    room: int


BROADCASTS = {
    kind.__name__: kind
    for kind in (
        MessagePosted,
        MessageChanged,
        Typing,
        PeopleChanged,
        RoomChanged,
        PersonChanged,
        RoomOpened,
    )
}


def from_layer(message):
    """Return the broadcast a layer message holds, or None if unknown."""
    kind = BROADCASTS.get(message.get("kind"))
    if kind is None:
        return None
    values = {f.name: message[f.name] for f in fields(kind) if f.init}
    return kind(**values)


@dataclass
class Personal:
    """An event for one person's sockets; Channels routes it by type."""

    type = ""

    def to_layer(self):
        return {"type": self.type, **asdict(self)}

    @classmethod
    def from_layer(cls, message):
        # A value a process of the release before left out takes its default.
        names = (f.name for f in fields(cls))
        return cls(**{name: message[name] for name in names if name in message})


@dataclass
class SignedOut(Personal):
    """The session is over: close every socket of it."""

    type = "user.signed_out"
    reason: str = "signed-out"


@dataclass
class RoomRead(Personal):
    """Read in another tab: the room is no longer unread in this one's sidebar."""

    type = "room.read"
    room_id: int
    room_fields: dict


@dataclass
class MemberRemoved(Personal):
    """They may no longer read the room ("removed", "left"), or left an open
    room ("left-open-room"): unlist it, and close sockets to it."""

    type = "user.removed"
    room_id: int
    reason: str = "removed"


@dataclass
class RoomAdded(Personal):
    """They may read the room now: list it."""

    type = "user.room_added"
    room_id: int
