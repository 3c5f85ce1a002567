"""A conversation's history on its way in: each Slack message drafted as
ours (author, markup, files, reactions, thread), stored a batch at a time
in the export's order, each reply after its thread's first message."""

from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from rooms.messages.formatting import MENTION
from rooms.messages.uploads import prepare
from rooms.models import MESSAGE_MAX_LENGTH, Attachment, Message
from rooms.slack.markup import to_markdown

# Messages stored per transaction.
BATCH = 1000
# Joins and leaves say who is in a conversation; they are not messages.
MEMBERSHIP = {"channel_join", "group_join", "channel_leave", "group_leave"}
# Notices of changes the conversation itself shows, or of nothing said.
NOT_MESSAGES = {
    "channel_topic",
    "channel_purpose",
    "channel_name",
    "group_topic",
    "group_purpose",
    "group_name",
    "channel_archive",
    "channel_unarchive",
    "group_archive",
    "group_unarchive",
    "pinned_item",
    "unpinned_item",
}


def moment(ts):
    """A Slack timestamp ("1700000000.000200") as a datetime, to the microsecond."""
    seconds, _, fraction = ts.partition(".")
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    return datetime.fromtimestamp(int(seconds), UTC) + timedelta(microseconds=micro)


class HistoryBatch:
    """A conversation's messages on their way into the database, in order."""

    def __init__(self, run, room):
        self.run, self.room = run, room
        self.pending = []  # Message drafts, in the export's order
        self.pending_ids = set()
        self.thread_of = {}  # Slack ts of a thread's first message → its pk

    def add(self, data, where):
        if not isinstance(data, dict) or not isinstance(data.get("ts"), str):
            self.run.problem(where, "not a message")
            return
        subtype = data.get("subtype")
        if subtype in MEMBERSHIP:
            self.membership(data, subtype.endswith("join"))
            return
        if subtype in NOT_MESSAGES:
            self.run.counts["notices skipped"] += 1
            return
        if subtype == "tombstone":
            message = self.tombstone(data, where)
        else:
            message = self.draft(data, where)
        if message is None:
            return
        # A reply's thread is stored before it. A reply only in its thread
        # waits for the rest of the batch (its place in the room's log does
        # not matter); one also in the room must keep its place there.
        if message.thread_ts in self.pending_ids and message.in_room:
            self.flush()
        self.pending.append(message)
        self.pending_ids.add(message.imported_id)
        if len(self.pending) >= BATCH:
            self.flush()

    def draft(self, data, where):
        """Return an unsaved Message for a Slack message, or None (reported)."""
        run = self.run
        if data.get("subtype") == "bot_message" and "user" not in data:
            author = run.bot_author(data)
        else:
            author = run.people.get(data.get("user"))
        if author is None:
            run.problem(where, f"unknown user {data.get('user')!r}: not imported")
            return None
        try:
            created = moment(data["ts"])
            edited = (data.get("edited") or {}).get("ts")
            edited = moment(edited) if edited else None
        except (ValueError, OverflowError, TypeError):
            run.problem(where, f"a time that is not one: {data.get('ts')!r}")
            return None
        body = data.get("chat_markdown")  # exported from a chat like this one
        if not isinstance(body, str):
            body = to_markdown(data.get("text") or "", run.usernames, run.rooms)
        if data.get("subtype") == "me_message":
            body = f"*{body}*"
        body, held = self.files(body, data.get("files") or [], where)
        if len(body) > MESSAGE_MAX_LENGTH:
            run.problem(where, f"longer than {MESSAGE_MAX_LENGTH} characters: cut")
            body = body[:MESSAGE_MAX_LENGTH]
        if not body.strip() and not held:
            run.problem(where, "nothing in it: not imported")
            return None
        thread_ts = data.get("thread_ts")
        is_reply = bool(thread_ts) and thread_ts != data["ts"]
        message = Message(
            room=self.room,
            author=author,
            body=body,
            created=created,
            edited=edited,
            reactors=self.reactions(data.get("reactions") or [], where),
            imported_id=data["ts"],
            in_room=not is_reply or data.get("subtype") == "thread_broadcast",
        )
        message.thread_ts = thread_ts if is_reply else None
        message.starts_thread = thread_ts == data["ts"] or bool(data.get("reply_count"))
        message.held_files, message.where = held, where
        message.mentioned_names = set(MENTION.findall(body))
        return message

    def tombstone(self, data, where):
        """A deleted message with replies: kept deleted, so they stay its thread."""
        try:
            created = moment(data["ts"])
        except (ValueError, OverflowError):
            self.run.problem(where, f"a time that is not one: {data['ts']!r}")
            return None
        author = self.run.people.get(data.get("user")) or self.run.bot_author(data)
        message = Message(
            room=self.room,
            author=author,
            body="",
            created=created,
            deleted=created,
            imported_id=data["ts"],
        )
        message.thread_ts, message.starts_thread = None, True
        message.held_files, message.mentioned_names = [], set()
        return message

    def files(self, body, files, where):
        """Return the body with links to the files the export lacks, and
        (id, name) of those it holds, stored only if the message is new."""
        held, links = [], []
        for file in files:
            if not isinstance(file, dict) or "id" not in file:
                self.run.problem(where, "a file without an id")
                continue
            name = file.get("name") or file.get("title") or file["id"]
            if self.run.export.holds_file(file["id"], name):
                held.append((file["id"], name))
            elif url := file.get("url_private") or file.get("permalink"):
                links.append(f"[{name}]({url})")
            else:
                self.run.problem(
                    where, f"file {name!r}: neither in the export nor linked"
                )
        if links:
            body = "\n".join([body, *links]) if body else "\n".join(links)
        return body, held

    def store_files(self, message):
        """Store the bytes of a new message's files; a refusal is reported."""
        stored = []
        for file_id, name in message.held_files:
            data = self.run.export.file(file_id, name)
            try:
                stored.append(Attachment.store(prepare(SimpleUploadedFile(name, data))))
            except ValidationError as refused:
                why = " ".join(refused.messages)
                self.run.problem(message.where, f"file {name!r}: {why}")
        message.imported_files = stored

    def reactions(self, reactions, where):
        reactors = {}
        for reaction in reactions:
            name = reaction.get("name") if isinstance(reaction, dict) else None
            found = self.run.emoji_of(name) if isinstance(name, str) else None
            if found is None:
                self.run.problem(where, f"reaction {name!r}: no such emoji here")
                continue
            people = {
                self.run.people[u].pk
                for u in reaction.get("users") or []
                if u in self.run.people
            }
            reactors[found] = sorted(set(reactors.get(found, [])) | people)
        return reactors

    def membership(self, data, joined):
        person = self.run.people.get(data.get("user"))
        # Only in a private room this run made: in one made before, an
        # administrator may have removed someone since, who stays removed.
        if person is None or self.room.pk not in self.run.new_rooms:
            return
        if not self.room.is_private or self.room.is_direct:
            return  # an open room has no members to keep
        if joined:
            self.room.members.add(person)
        else:
            self.room.members.remove(person)

    def flush(self):
        """Store what is pending, leaving out what an earlier run stored."""
        pending, self.pending, self.pending_ids = self.pending, [], set()
        if not pending:
            return
        stored = dict(
            Message.objects.filter(
                room=self.room, imported_id__in=[m.imported_id for m in pending]
            ).values_list("imported_id", "pk")
        )
        fresh = [m for m in pending if m.imported_id not in stored]
        for message in pending:
            if message.starts_thread and message.imported_id in stored:
                self.thread_of[message.imported_id] = stored[message.imported_id]
        usernames = {name for m in fresh for name in m.mentioned_names}
        ids = dict(
            get_user_model()
            .objects.filter(username__in=usernames)
            .values_list("username", "pk")
        )
        for message in fresh:
            self.store_files(message)
            message.mentioned_ids = {
                ids[n] for n in message.mentioned_names if n in ids
            }
        batch_ids = {m.imported_id for m in fresh}
        waiting = [m for m in fresh if m.thread_ts in batch_ids and not m.in_room]
        first = [m for m in fresh if not (m.thread_ts in batch_ids and not m.in_room)]
        for part in (first, waiting):
            for message in part:
                if message.thread_ts is not None:
                    message.thread_id = self.find_thread(message)
                    message.in_room |= message.thread_id is None
            self.room.store_imported(part)
            self.thread_of |= {m.imported_id: m.pk for m in part if m.starts_thread}
        self.run.counts["messages"] += len(fresh)
        self.run.counts["messages already here"] += len(pending) - len(fresh)
        self.run.on_progress(self.run)

    def find_thread(self, reply):
        ts = reply.thread_ts
        if ts not in self.thread_of:
            found = Message.objects.filter(room=self.room, imported_id=ts, thread=None)
            self.thread_of[ts] = found.values_list("pk", flat=True).first()
        if self.thread_of[ts] is None:
            self.run.problem(
                f"{self.room.slug} {reply.imported_id}",
                "a reply to a message not in the export: kept in the room",
            )
        return self.thread_of[ts]
