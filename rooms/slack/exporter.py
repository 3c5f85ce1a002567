"""The chat written out in a Slack export's layout, so that import_slack
reads it back into an empty chat with nothing lost: people (without
passwords), rooms and their members, messages with their threads, edits,
reactions and files (their bytes under __uploads/). Written a day file
at a time, so memory stays flat.

Each message carries its exact text in `chat_markdown` beside Slack's
`text`: import_slack prefers it, and other tools read `text`.
"""

import json
import re
from datetime import timedelta
from itertools import groupby

import emoji
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db.models import Q

from rooms.messages.formatting import MENTION
from rooms.models import Room
from rooms.slack.export import UPLOADS


def person_id(pk):
    return f"U{pk}"


class SlackExporter:
    """Writes the chat, or one person's messages (author=), into a ZipFile."""

    def __init__(self, archive, *, author=None, on_progress=lambda count: None):
        self.archive, self.author, self.on_progress = archive, author, on_progress
        self.written = 0
        self.usernames = {}

    def write(self):
        people = get_user_model().objects.select_related("profile", "bot")
        if self.author is not None:
            people = people.filter(pk=self.author.pk)
        self.usernames = dict(people.values_list("username", "pk"))
        self.json("users.json", [self.person(p) for p in people.order_by("pk")])
        rooms = Room.objects.order_by("pk")
        if self.author is not None:
            rooms = rooms.filter(messages__author=self.author).distinct()
        listed = {"channels.json": [], "groups.json": [], "dms.json": []}
        for room in rooms:
            entry, folder = self.conversation(room, self.members(room))
            file = {Room.Kind.OPEN: "channels.json", Room.Kind.PRIVATE: "groups.json"}
            listed[file.get(room.kind, "dms.json")].append(entry)
            self.history(room, folder)
        for name, entries in listed.items():
            self.json(name, entries)

    def members(self, room):
        """Who is in the room; for one person's own download, only them."""
        people = room.members.all() if self.author is None else [self.author]
        return [
            person_id(person.pk)
            for person in people
            if self.author is None or room.members.filter(pk=person.pk).exists()
        ]

    def person(self, user):
        profile = getattr(user, "profile", None)
        display = profile.display_name if profile else ""
        return {
            "id": person_id(user.pk),
            "team_id": settings.SITE_URL,  # which chat "U1" is of
            "name": user.username,
            "real_name": display,
            "deleted": not user.is_active,
            "is_bot": hasattr(user, "bot"),
            "is_admin": user.is_staff,
            "profile": {
                "display_name": display,
                "real_name": display,
                "email": user.email,
            },
        }

    def conversation(self, room, members):
        prefix = {Room.Kind.OPEN: "C", Room.Kind.PRIVATE: "G"}.get(room.kind, "D")
        entry = {
            "id": f"{prefix}{room.pk}",
            "created": int(room.created.timestamp()),
            "members": members,
        }
        if room.is_direct:
            return entry, entry["id"]
        # One person's own download says what a room is about only while
        # they may still read it.
        readable = self.author is None or room.admits(self.author)
        entry |= {
            "name": room.slug,
            "display_name": room.name,
            "creator": person_id(room.created_by_id) if room.created_by_id else "",
            "is_archived": room.archived is not None,
            "topic": {"value": room.topic if readable else ""},
            "purpose": {"value": ""},
        }
        return entry, room.slug

    def history(self, room, folder):
        # By time, a day file each: ids follow time only for what was posted
        # here. A deleted message stays as Slack's tombstone if it has replies.
        messages = room.messages.filter(Q(deleted=None) | Q(reply_count__gt=0))
        if self.author is not None:
            messages = messages.filter(author=self.author, deleted=None)
        messages = messages.select_related("thread").prefetch_related("attachments")
        messages = messages.order_by("created", "pk").iterator(chunk_size=2000)
        threads = {}  # a thread's first message's pk → its ts, as written
        for day, day_messages in groupby(messages, key=lambda m: m.created.date()):
            taken = set()  # two messages of one microsecond are of one day
            written = [self.message(m, taken, threads) for m in day_messages]
            self.json(f"{folder}/{day.isoformat()}.json", written)
            self.written += len(written)
            self.on_progress(self.written)

    def message(self, message, taken, threads):
        data = {
            "type": "message",
            "user": person_id(message.author_id),
            "ts": timestamp(message, taken),
            "text": to_slack(message.body, self.usernames),
            "chat_markdown": message.body,
        }
        if message.deleted:
            data |= {"subtype": "tombstone", "text": "This message was deleted."}
        if message.edited:
            data["edited"] = {"user": data["user"], "ts": slack_ts(message.edited)}
        if message.thread_id is not None:
            data["thread_ts"] = threads.get(message.thread_id) or timestamp(
                message.thread
            )
            if message.in_room:
                data["subtype"] = "thread_broadcast"
        elif message.reply_count:
            data |= {"thread_ts": data["ts"], "reply_count": message.reply_count}
            threads[message.pk] = data["ts"]
        reactions = [
            {
                "name": emoji.demojize(chosen, language="alias").strip(":"),
                "users": [person_id(pk) for pk in people],
                "count": len(people),
            }
            for chosen, people in message.reactors.items()
            if people
        ]
        if reactions:
            data["reactions"] = reactions
        files = [self.file(attachment) for attachment in message.attachments.all()]
        if files:
            data["files"] = files
        return data

    def file(self, attachment):
        file_id = f"F{attachment.pk}"
        path = f"{UPLOADS}/{file_id}/{attachment.name}"
        with (
            default_storage.open(attachment.file.name) as source,
            self.archive.open(path, "w") as target,
        ):
            while chunk := source.read(1 << 20):
                target.write(chunk)
        return {
            "id": file_id,
            "name": attachment.name,
            "mimetype": attachment.content_type,
            "size": attachment.size,
            "url_private": settings.SITE_URL + attachment.get_absolute_url(),
        }

    def json(self, name, data):
        with self.archive.open(name, "w") as target:
            target.write(json.dumps(data, ensure_ascii=False).encode())


def timestamp(message, taken=None):
    """A message's Slack ts: its time, to the microsecond; unique in its day."""
    if message.imported_id and re.fullmatch(r"\d+\.\d{6}", message.imported_id):
        return message.imported_id  # back to where it came from, unchanged
    moment = message.created
    while taken is not None and slack_ts(moment) in taken:
        moment += timedelta(microseconds=1)
    if taken is not None:
        taken.add(slack_ts(moment))
    return slack_ts(moment)


def slack_ts(moment):
    """A datetime as Slack writes times ("1700000000.000200"), exactly."""
    return f"{int(moment.replace(microsecond=0).timestamp())}.{moment.microsecond:06d}"


def to_slack(body, usernames):
    """Our text for tools that read Slack's: entities escaped, mentions by id."""
    text = body.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MENTION.sub(
        lambda m: f"<@{person_id(usernames[m[1]])}>" if m[1] in usernames else m[0],
        text,
    )
