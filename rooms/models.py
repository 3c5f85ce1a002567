import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import PermissionDenied
from django.db import connections, models, router, transaction
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

MESSAGE_MAX_LENGTH = 5000
PAGE_SIZE = 50

# "@name" where a username may start: not inside a word or an address.
# A name ends on a letter or digit, so "ask @bob." mentions bob.
MENTION = re.compile(r"(?<![\w.@+-])@([\w.@+-]*\w)")
# The fixed set of reactions, in the order every message shows them.
REACTIONS = ["👍", "❤️", "😂", "🎉", "😮"]

# A message may commit a moment after one with a higher id (Postgres hands
# out ids before commit). Catch-up re-sends this window below the client's
# newest id; the page's upsert makes the overlap harmless.
LATE_COMMIT_WINDOW = timedelta(seconds=5)


class RoomQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the rooms this user may read: open ones, and theirs.

        The one rule of who may read (and, signed in, post in) a room: the
        pages, the socket and search all ask it.
        """
        if not user.is_authenticated:
            return self.filter(kind=Room.Kind.OPEN)
        members = Membership.objects.filter(user=user).values("room_id")
        return self.filter(Q(kind=Room.Kind.OPEN) | Q(pk__in=members))

    def with_unread_for(self, user):
        """Annotate has_unread: messages by others since this person read it.

        A muted room counts only messages that mention them. A room never
        opened counts from its first message.
        """
        mark = ReadMark.objects.filter(room=OuterRef("pk"), user=user)
        read_up_to = Coalesce(Subquery(mark.values("last_read_id")[:1]), Value(0))
        muted = Coalesce(Subquery(mark.values("muted")[:1]), Value(False))
        unread = Message.objects.filter(
            room=OuterRef("pk"), pk__gt=OuterRef("read_up_to")
        ).exclude(author=user)
        has_unread = (Q(muted=False) & Exists(unread)) | Exists(
            unread.filter(mentions=user)
        )
        return self.annotate(read_up_to=read_up_to, muted=muted).annotate(
            has_unread=ExpressionWrapper(has_unread, output_field=BooleanField())
        )

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

    def post(self, author, body):
        """Store a message, with the people it mentions."""
        # Not self.messages.create: the related manager adds ~25 µs a message.
        message = Message.objects.create(room=self, author=author, body=body)
        if MENTION.search(body):
            message.remember_mentions()
        return message

    def admits(self, user):
        """Return whether this user may read this room."""
        # visible_to's first rule, without a query on every connect.
        if self.kind == self.Kind.OPEN:
            return True
        return Room.objects.visible_to(user).filter(pk=self.pk).exists()

    def is_managed_by(self, user):
        return self.kind == self.Kind.PRIVATE and user.pk == self.created_by_id

    def latest_messages(self):
        return self.messages.with_author().latest_page(PAGE_SIZE)

    def history(self, *, before=None, after=None, around=None):
        """Return a page of messages: the latest, or next to a message id."""
        messages = self.messages.with_author()
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
            return Page([], has_older=False, has_newer=False)
        return Page(
            page,
            has_older=self.messages.filter(pk__lt=page[0].pk).exists(),
            # The latest page is live: what is posted meanwhile comes over its
            # socket, which only a page with nothing newer opens.
            has_newer=not latest and self.messages.filter(pk__gt=page[-1].pk).exists(),
        )


@dataclass
class Page:
    """A run of a room's messages, oldest first, and what lies either side."""

    messages: list
    has_older: bool
    has_newer: bool


class Membership(models.Model):
    """A person's place in a private room."""

    room = models.ForeignKey(Room, related_name="memberships", on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="one_membership")
        ]

    def __str__(self):
        return f"{self.user} in {self.room}"


class MessageQuerySet(models.QuerySet):
    def with_author(self):
        """Return messages ready to draw: author and mentions read with them."""
        return self.select_related("author").prefetch_related("mentions")

    def latest_page(self, size):
        """Return the newest `size` messages, oldest first."""
        newest = self.order_by("-pk")[:size]
        return sorted(newest, key=lambda message: message.pk)

    def readable_by(self, user):
        return self.filter(room__in=Room.objects.visible_to(user))

    def search(self, terms):
        """Return the messages matching every word of terms, newest first."""
        if connections[self.db].vendor == "postgresql":
            query = SearchQuery(terms, config="english", search_type="websearch")
            found = self.annotate(
                document=SearchVector("body", config="english")
            ).filter(document=query)
        else:
            found = self
            for word in terms.split():
                found = found.filter(body__icontains=word)
        return found.order_by("-pk")

    def older_than(self, message_id, size):
        """Return the `size` messages before message_id, oldest first."""
        return self.filter(pk__lt=message_id).latest_page(size)

    def newer_than(self, message_id, size):
        """Return the `size` messages after message_id, oldest first."""
        return list(self.filter(pk__gt=message_id).order_by("pk")[:size])

    def changed_since(self, revision):
        """Return the messages edited, deleted or reacted to after revision."""
        return self.filter(revision__gt=revision).order_by("revision")

    def after(self, message_id):
        """Return messages newer than message_id, plus late commits near it."""
        anchor = self.filter(pk=message_id).values_list("created", flat=True).first()
        newer = Q(pk__gt=message_id)
        if anchor is not None:
            newer |= Q(pk__lt=message_id, created__gte=anchor - LATE_COMMIT_WINDOW)
        return self.filter(newer).order_by("pk")


class Message(models.Model):
    room = models.ForeignKey(Room, related_name="messages", on_delete=models.CASCADE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="messages", on_delete=models.CASCADE
    )
    body = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    created = models.DateTimeField(auto_now_add=True)
    # Found once, when stored, so drawing a message looks nothing up.
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="mentioned_in", blank=True
    )
    edited = models.DateTimeField(null=True, blank=True)
    # A deleted message keeps its place in the log, not its text.
    deleted = models.DateTimeField(null=True, blank=True)
    # The emoji of REACTIONS, each with the ids of the people who chose it.
    reactors = models.JSONField(default=dict, blank=True)
    # The room's revision at this message's last change; 0 if never changed.
    revision = models.PositiveBigIntegerField(default=0)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["room", "id"], name="message_room_id"),
            models.Index(fields=["room", "created"], name="message_room_created"),
            models.Index(fields=["author", "created"], name="message_author_created"),
            models.Index(fields=["room", "revision"], name="message_room_revision"),
        ]

    def __str__(self):
        return f"{self.author}: {self.body[:40]}"

    def get_absolute_url(self):
        """Return the permalink: the room opened around this message."""
        room_url = reverse("rooms:room", args=[self.room.slug])
        return f"{room_url}?around={self.pk}#message-{self.pk}"

    def remember_mentions(self):
        """Store whom the body mentions, and keep them for drawing it."""
        names = set(MENTION.findall(self.body))
        self.mentions.set(get_user_model().objects.filter(username__in=names))
        # The broadcast draws it next, maybe where the ORM may not run.
        prefetch_related_objects([self], "mentions")

    def body_parts(self):
        """Return the body as (text, mentioned person or None) pieces."""
        if not MENTION.search(self.body):
            return [(self.body, None)]  # and no query, as when stored
        mentioned = {user.username: user for user in self.mentions.all()}
        parts, start = [], 0
        for found in MENTION.finditer(self.body):
            person = mentioned.get(found[1])
            if person is not None:
                parts.append((self.body[start : found.start()], None))
                parts.append((found[0], person))
                start = found.end()
        parts.append((self.body[start:], None))
        return parts

    # Who may change it: the socket, the forms and the admin all ask here.

    def can_be_edited_by(self, user):
        return user.pk == self.author_id and user.is_active and not self.deleted

    def can_be_deleted_by(self, user):
        is_allowed = user.pk == self.author_id or user.is_staff
        return is_allowed and user.is_active and not self.deleted

    def can_be_reacted_to_by(self, user):
        return user.is_authenticated and not self.deleted

    # Changes: each takes the room's next revision, for catch-up.

    def edit(self, body, *, by):
        with self._changing(self.can_be_edited_by, by):
            self.body, self.edited = body, timezone.now()
            self.save(update_fields=["body", "edited", "revision"])
            self.remember_mentions()

    def remove(self, *, by):
        with self._changing(self.can_be_deleted_by, by):
            self.body, self.deleted, self.reactors = "", timezone.now(), {}
            self.save(update_fields=["body", "deleted", "reactors", "revision"])

    def toggle_reaction(self, emoji, *, by):
        with self._changing(self.can_be_reacted_to_by, by):
            people = set(self.reactors.get(emoji, [])) ^ {by.pk}
            self.reactors[emoji] = sorted(people)
            self.save(update_fields=["reactors", "revision"])

    @contextmanager
    def _changing(self, may_change, user):
        """Take the room's next revision, then re-read and check the message.

        Under the room's lock nothing else changes it: no concurrent
        reaction is lost, no deleted message is edited back, and what is
        broadcast is the whole message as stored.
        """
        with transaction.atomic():
            revision = Room.objects.next_revision(self.room_id)
            self.refresh_from_db(fields=["body", "edited", "deleted", "reactors"])
            if not may_change(user):
                raise PermissionDenied
            self.revision = revision
            yield

    def reactions(self):
        """Return each reaction's emoji, count and reactors' ids."""
        # Strings, not numbers: templates localise numbers, at a cost.
        return [
            {
                "emoji": emoji,
                "count": str(len(self.reactors.get(emoji, []))),
                "reactors": " ".join(map(str, self.reactors.get(emoji, []))),
            }
            for emoji in REACTIONS
        ]


def count_messages_posted_since(author, since):
    """Return how many messages author has posted since `since`, anywhere.

    The rate limit asks this for every message posted. Written out in SQL:
    the ORM takes ~0.23 ms to build the query, SQLite ~0.015 ms to answer it.
    """
    connection = connections[router.db_for_read(Message)]
    table = connection.ops.quote_name(Message._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} WHERE author_id = %s AND created >= %s",
            [author.pk, connection.ops.adapt_datetimefield_value(since)],
        )
        return cursor.fetchone()[0]


class PresenceQuerySet(models.QuerySet):
    def live(self):
        return self.filter(expires__gt=timezone.now())

    def expired(self):
        return self.filter(expires__lte=timezone.now())

    def people_in(self, room):
        """Return the people with a live socket in the room, by name."""
        user_ids = self.live().filter(room=room).values("user_id")
        return get_user_model().objects.filter(pk__in=user_ids).order_by("username")


class Presence(models.Model):
    """One open socket of a signed-in person in a room, kept alive by heartbeats."""

    room = models.ForeignKey(Room, related_name="presences", on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    channel_name = models.CharField(max_length=120, unique=True)
    expires = models.DateTimeField()
    # The socket closed: the row only lasts out its grace and is never renewed.
    closed = models.BooleanField(default=False)

    objects = PresenceQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["room", "expires"], name="presence_room_expires")
        ]

    def __str__(self):
        return f"{self.user} in {self.room}"


class ReadMarkQuerySet(models.QuerySet):
    def advance(self, user, room, message_id):
        """Move this person's mark in the room up to message_id, never back.

        Return the mark as it was before, or None the first time they are
        here. Tabs close in any order; the one that read furthest wins.
        """
        mark, created = self.get_or_create(
            user=user, room=room, defaults={"last_read_id": message_id}
        )
        if created:
            return None
        self.move_up(user, room, message_id)
        return mark

    def move_up(self, user, room, message_id):
        """Move an existing mark up to message_id, never back; create none."""
        self.filter(user=user, room=room, last_read_id__lt=message_id).update(
            last_read_id=message_id
        )


class ReadMark(models.Model):
    """How far a person has read a room, and whether they muted it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    room = models.ForeignKey(Room, related_name="read_marks", on_delete=models.CASCADE)
    # The newest message id this person was shown in the room.
    last_read_id = models.BigIntegerField(default=0)
    # A muted room shows as unread only for messages that mention them.
    muted = models.BooleanField(default=False)

    objects = ReadMarkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "room"], name="one_read_mark")
        ]

    def __str__(self):
        return f"{self.user} read {self.room} to {self.last_read_id}"
