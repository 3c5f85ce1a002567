"""A room, and what is asked of every room: who may read it, what each
person has unread (SQL by hand), and storing what is posted in it, one
message or an import's batch. Longer than most modules: these share the
room's lock, which orders every message and change in it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import (
    Q,
)
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import SignUpPolicy
from rooms.messages.formatting import MENTION

from .attachment import Attachment
from .membership import Membership
from .message import Message
from .read_mark import ReadMark
from .thread_follow import ThreadFollow

PAGE_SIZE = 50
TOPIC_MAX_LENGTH = 250
# A sidebar counts a room's unread messages up to this, then shows "99+".
UNREAD_SHOWN = 100


class RoomArchived(ValidationError):
    """A post to a room archived before it could be stored."""

    def __init__(self):
        super().__init__(
            _("This room is archived: nothing more can be posted in it."),
            code="archived",
        )


def lock_person(user):
    """Hold a person's row until the transaction ends; call inside one."""
    User = get_user_model()
    connection = connections[router.db_for_write(User)]
    if not connection.features.has_select_for_update:
        # SQLite's transactions hold its one write lock from their start.
        return
    table, key = (
        connection.ops.quote_name(name)
        for name in (User._meta.db_table, User._meta.pk.column)
    )
    with connection.cursor() as cursor:
        # Written out, as Room.objects.lock: every post takes it.
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE {key} = %s FOR NO KEY UPDATE", [user.pk]
        )


class RoomQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the rooms this user may read: open ones, and theirs.

        The one rule of who may read (and, signed in, post in) a room: the
        pages, the socket and search all ask it.
        """
        if not user.is_authenticated:
            if not SignUpPolicy.visitors_may_read():
                return self.none()
            return self.filter(kind=Room.Kind.OPEN)
        members = Membership.objects.filter(user=user).values("room_id")
        return self.filter(Q(kind=Room.Kind.OPEN) | Q(pk__in=members))

    def with_unread_for(self, user):
        """Return the rooms this user lists, by name, each with unread_count
        and muted.

        Listed: the open rooms they have not left, and theirs. Unread: the
        messages by others since they read the room, at most UNREAD_SHOWN
        (a muted room counts only those that mention them; a room never
        opened counts from its first message).

        SQL by hand: the sidebar asks on every page and every socket
        connect, and Django spends several times longer compiling the same
        query from subquery expressions than the database spends running it.
        """
        if not user.is_authenticated:
            raise ValueError("Only a signed-in person has read marks.")
        message = Message._meta.db_table
        mention = Message.mentions.through._meta.db_table
        # The room's messages after the mark, phrased as each database walks
        # its (room, id) index from the mark: given "room_id = room.id",
        # Postgres walked the whole room or every later id (150 ms at 1M
        # messages, against 0.8 ms as a range); SQLite is the other way round.
        if connections[self.db].vendor == "postgresql":
            after_the_mark = (
                "(m.room_id, m.id) > (room.id, COALESCE(mark.last_read_id, 0))"
                " AND m.room_id <= room.id"
            )
        else:
            after_the_mark = (
                "m.room_id = room.id AND m.id > COALESCE(mark.last_read_id, 0)"
            )
        sql = f"""
            SELECT room.*, COALESCE(mark.muted, FALSE) AS muted, (
              SELECT COUNT(*) FROM (
                SELECT 1 FROM {message} m
                WHERE {after_the_mark}
                  AND m.author_id <> %(user)s
                  AND m.deleted IS NULL
                  AND m.in_room
                  AND (NOT COALESCE(mark.muted, FALSE) OR EXISTS (
                    SELECT 1 FROM {mention} mention
                    WHERE mention.message_id = m.id AND mention.user_id = %(user)s))
                ORDER BY m.room_id, m.id
                LIMIT %(shown)s
              ) AS unread
            ) AS unread_count
            FROM {self.model._meta.db_table} room
            LEFT JOIN {ReadMark._meta.db_table} mark
              ON mark.room_id = room.id AND mark.user_id = %(user)s
            WHERE (room.kind = %(open)s AND NOT COALESCE(mark.left_room, FALSE))
              OR room.id IN (
                SELECT room_id FROM {Membership._meta.db_table} WHERE user_id = %(user)s)
            ORDER BY room.name
        """
        params = {"user": user.pk, "open": Room.Kind.OPEN, "shown": UNREAD_SHOWN}
        return self.raw(sql, params)

    def direct_for(self, users):
        """Return the direct conversation of exactly these people; start it."""
        users = sorted(set(users), key=lambda user: user.pk)
        # The member set is the slug, so the conversation is found again by
        # it and can't be started twice. slugify never begins a slug with
        # "_", so no named room can take it.
        slug = "_dm-" + "-".join(str(user.pk) for user in users)
        name = ", ".join(sorted(user.username for user in users))
        with transaction.atomic():
            room, created = self.get_or_create(
                slug=slug, defaults={"name": name, "kind": Room.Kind.DIRECT}
            )
            if created:
                room.members.add(*users)
        return room

    def lock(self, room_id):
        """Hold a room's row until the transaction ends; call inside one.
        Return whether the room is archived, as of now.

        Postgres hands out ids before commit. A room's posts take its lock
        before their ids, so they commit in the order of their ids: a reader
        that has seen a message has seen every one before it, and catch-up
        needs no more than the messages after it.
        """
        connection = connections[self.db]
        table = connection.ops.quote_name(self.model._meta.db_table)
        # SQLite has one writer at a time, so its ids commit in order.
        lock = " FOR NO KEY UPDATE" if connection.features.has_select_for_update else ""
        with connection.cursor() as cursor:
            # Written out: the ORM takes longer to build it than to run it.
            # NO KEY UPDATE, as next_revision's UPDATE takes: the rows that
            # only refer to the room (presence, read marks) need not wait.
            cursor.execute(
                f"SELECT archived IS NOT NULL FROM {table} WHERE id = %s{lock}",
                [room_id],
            )
            return bool(cursor.fetchone()[0])

    def next_revision(self, room_id):
        """Return a room's next change number; call inside a transaction.

        The UPDATE locks the room's row until commit, so a room's changes
        commit in the order of their numbers: a socket that has read up to
        one has seen every change before it.
        """
        rooms = self.filter(pk=room_id)
        rooms.update(revision=models.F("revision") + 1)
        return rooms.values_list("revision", flat=True).get()


class Room(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open"
        PRIVATE = "private"
        DIRECT = "direct"  # private, its members fixed: a conversation

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="member_of"
    )
    # The last change number handed out to a message here (edit, deletion,
    # reaction): sockets catch up on changes by it.
    revision = models.PositiveBigIntegerField(default=0)
    topic = models.CharField(max_length=TOPIC_MAX_LENGTH, blank=True)
    # An archived room is read, searched and linked to as before; nothing
    # more is posted in it.
    archived = models.DateTimeField(null=True, blank=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("rooms:room", args=[self.slug])

    @property
    def is_private(self):
        return self.kind != self.Kind.OPEN

    @property
    def is_direct(self):
        return self.kind == self.Kind.DIRECT

    def post(
        self, author, body, uploads=(), *, thread=None, also_in_room=False, check=None
    ):
        """Store a message, with the people it mentions and its files; in
        reply to a thread (one of this room's messages, not a reply), in its
        thread and, also_in_room, in the room's log too.

        check(), if given, runs under the author's lock before the message is
        stored, and raises to refuse it: one person's posts are counted one
        at a time (their rate limits).
        """
        if thread is not None:
            if thread.room_id != self.pk or thread.thread_id is not None:
                raise ValueError("A thread is started by a message of its room.")
            thread.room = self  # drawn with the reply, maybe in the event loop
        # The bytes first: a message is never shown with a file not there,
        # and a failure below leaves none behind.
        attachments = []
        try:
            for upload in uploads:
                attachments.append(Attachment.store(upload))
            with transaction.atomic():
                if check is not None:
                    # Before the room's lock, as a ban takes them: no deadlock.
                    lock_person(author)
                    check()
                if Room.objects.lock(self.pk):
                    raise RoomArchived
                fields = {"room": self, "author": author, "body": body}
                if thread is not None:
                    fields |= {"thread": thread, "in_room": also_in_room}
                message = Message.objects.insert(**fields)
                for attachment in attachments:
                    attachment.message = message
                Attachment.objects.bulk_create(attachments)
                if MENTION.search(body):
                    message.remember_mentions()
                if thread is not None:
                    thread.count_reply(message)
        except BaseException:
            for attachment in attachments:
                attachment.delete_files()
            raise
        message.keep_attachments(attachments)
        message.keep_link_previews([])
        # Drawing it asks whether the author is a bot, and their name, maybe
        # in the event loop where the ORM may not run: ask here, once per
        # user object.
        hasattr(author, "bot")
        hasattr(author, "profile")
        return message

    def store_imported(self, messages):
        """Store messages brought from elsewhere as post() stores one: under
        the room's lock, with whom each mentions (message.mentioned_ids)
        and its files (message.imported_files, stored Attachments), each
        reply counted in its thread, whose people follow it, read. One
        transaction for them all, and no broadcast: a socket open meanwhile
        catches up on them as on any message it missed."""
        if not messages:
            return
        with transaction.atomic():
            Room.objects.lock(self.pk)  # an archived room keeps its history
            Message.objects.bulk_create(messages)
            mentions = Message.mentions.through
            mentions.objects.bulk_create(
                mentions(message_id=message.pk, user_id=user_id)
                for message in messages
                for user_id in message.mentioned_ids
            )
            files = []
            for message in messages:
                for attachment in message.imported_files:
                    attachment.message = message
                    files.append(attachment)
            Attachment.objects.bulk_create(files)
            self._count_replies([m for m in messages if m.thread_id is not None])

    def _count_replies(self, replies):
        threads = {}
        for reply in replies:
            threads.setdefault(reply.thread_id, []).append(reply)
        if not threads:
            return
        # One change number for all: they change together.
        revision = Room.objects.next_revision(self.pk)
        for thread in Message.objects.filter(pk__in=threads):
            answers = threads[thread.pk]
            thread.reply_count += len(answers)
            thread.last_reply = max(
                thread.last_reply or answers[-1].created, *(a.created for a in answers)
            )
            thread.revision = revision
            thread.save(update_fields=["reply_count", "last_reply", "revision"])
            people = {thread.author_id}
            for answer in answers:
                people |= {answer.author_id, *answer.mentioned_ids}
            # History: read by all who follow it.
            newest = max(answer.pk for answer in answers)
            ThreadFollow.objects.follow(thread, people, read_up_to=newest)
            ThreadFollow.objects.filter(thread=thread, last_read_id__lt=newest).update(
                last_read_id=newest
            )

    def admits(self, user):
        """Return whether this user may read this room."""
        # visible_to's first rules, without a join on every connect.
        if self.kind == self.Kind.OPEN:
            return user.is_authenticated or SignUpPolicy.visitors_may_read()
        return Room.objects.visible_to(user).filter(pk=self.pk).exists()

    def readers(self):
        """Return the active people who may read this room: everyone for an
        open room, its members for a private room or a conversation."""
        people = get_user_model().objects.filter(is_active=True)
        return people.filter(member_of=self) if self.is_private else people

    def is_managed_by(self, user):
        """Whether this person adds and removes the members of a private room."""
        return self.kind == self.Kind.PRIVATE and user.pk == self.created_by_id

    def may_be_changed_by(self, user):
        """Whether this person may rename, describe and archive the room:
        its creator and the administrators; a conversation is its people's."""
        if self.is_direct or not user.is_authenticated:
            return False
        return user.pk == self.created_by_id or user.is_staff

    def latest_messages(self):
        return self.messages.in_log().with_author().latest_page(PAGE_SIZE)

    def newest_message_id(self):
        """Return the id of the room's newest message, a reply or not; 0 if none."""
        newest = self.messages.order_by("-pk").values_list("pk", flat=True).first()
        return newest or 0

    def history(self, *, before=None, after=None, around=None):
        """Return a page of the log: the latest, or next to a message id."""
        # Read first: what is posted while the page is read comes after it.
        newest = self.newest_message_id()
        log = self.messages.in_log()
        messages = log.with_author()
        page = []
        if around is not None:
            half = PAGE_SIZE // 2
            page = messages.older_than(around, half)
            page += messages.newer_than(around - 1, PAGE_SIZE - half)
        elif before is not None:
            page = messages.older_than(before, PAGE_SIZE)
        elif after is not None:
            page = messages.newer_than(after, PAGE_SIZE)
        # Nothing there (past either end): open at the latest.
        latest = not page
        page = page or messages.latest_page(PAGE_SIZE)
        if not page:
            return Page([], has_older=False, has_newer=False, newest_id=newest)
        return Page(
            page,
            has_older=log.filter(pk__lt=page[0].pk).exists(),
            # The latest page is live: what is posted meanwhile comes over its
            # socket, which only a page with nothing newer opens.
            has_newer=not latest and log.filter(pk__gt=page[-1].pk).exists(),
            newest_id=max(newest, page[-1].pk),
        )


@dataclass
class Page:
    """A run of a room's messages, oldest first, and what lies either side."""

    messages: list
    has_older: bool
    has_newer: bool
    # Where a socket opened by the latest page starts: the room's newest
    # message, its thread-only replies included, as of the page's reading.
    newest_id: int = 0
