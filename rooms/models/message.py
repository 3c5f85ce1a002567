"""A message: what it says, who may change it and how (each change under
its room's lock), its reactions, its thread. How messages are read and
stored in bulk is message_queryset.py.

Longer than most modules: its fields, who may change it and the changes
themselves belong together, each change taking the room's revision under
its lock."""

import functools
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connections, models, router, transaction
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone

from rooms.messages import formatting
from rooms.messages.emoji_names import is_emoji
from rooms.messages.formatting import MENTION

from .attachment import Attachment
from .link_preview import LinkPreview
from .message_queryset import MessageQuerySet, mentions_with_names, name_reactors
from .message_version import MessageVersion
from .thread_follow import ThreadFollow

MESSAGE_MAX_LENGTH = 5000
# The quick reactions every message offers, first and in this order; any
# other emoji chosen follows them.
REACTIONS = ["👍", "❤️", "😂", "🎉", "😮"]
# A reaction names this many of the people who chose it, then counts the rest.
REACTORS_NAMED = 10
# Kinds of reaction a message may carry besides the quick ones: plenty for a
# conversation, few enough to draw with the message every time.
MOST_OTHER_REACTIONS = 20


class TooManyReactions(Exception):
    """A new kind of reaction on a message that has MOST_OTHER_REACTIONS."""


class Message(models.Model):
    room = models.ForeignKey("Room", related_name="messages", on_delete=models.CASCADE)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="messages", on_delete=models.CASCADE
    )
    body = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    # When it was said: now, or its original time when brought from elsewhere.
    created = models.DateTimeField(default=timezone.now)
    # Found once, when stored, so drawing a message looks nothing up.
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="mentioned_in", blank=True
    )
    edited = models.DateTimeField(null=True, blank=True)
    # A deleted message keeps its place in the log, not its text.
    deleted = models.DateTimeField(null=True, blank=True)
    # Each emoji chosen, with the ids of the people who chose it.
    reactors = models.JSONField(default=dict, blank=True)
    # The room's revision at this message's last change; 0 if never changed.
    revision = models.PositiveBigIntegerField(default=0)
    # A reply names the message that started its thread; threads are one
    # level deep. It shows in the room's log too only if sent there as well.
    thread = models.ForeignKey(
        "self", null=True, blank=True, related_name="replies", on_delete=models.CASCADE
    )
    in_room = models.BooleanField(default=True, db_default=True)
    # Brought from elsewhere (a Slack export): its id there, so a second
    # import of the same export adds nothing. NULL for the rest, which the
    # unique constraint then leaves out.
    imported_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # What a thread's first message shows of it, kept as replies are stored.
    reply_count = models.PositiveIntegerField(default=0, db_default=0)
    last_reply = models.DateTimeField(null=True, blank=True)
    # Not yet read by the deliveries' sweep (rooms/sweeps/deliveries.py): a
    # mark on the row, not a cursor of ids, as on Postgres a lower id can
    # commit after a higher one.
    swept = models.BooleanField(default=False, db_default=False)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["room", "id"], name="message_room_id"),
            models.Index(fields=["room", "created"], name="message_room_created"),
            models.Index(fields=["author", "created"], name="message_author_created"),
            models.Index(fields=["room", "revision"], name="message_room_revision"),
            # The notification emails' sweep, by age across rooms.
            models.Index(fields=["created"], name="message_created"),
            # The other sweeps, past their cursor, over what was posted here:
            # never through an import's million rows.
            models.Index(
                fields=["id"],
                condition=models.Q(imported_id=None),
                name="message_posted_here",
            ),
            models.Index(
                fields=["id"],
                condition=models.Q(swept=False, imported_id=None),
                name="message_unswept",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "imported_id"],
                condition=models.Q(imported_id__isnull=False),
                name="one_imported_message",
            )
        ]

    def __str__(self):
        return f"{self.author}: {self.body[:40]}"

    def get_absolute_url(self):
        """Return the permalink: the room opened around this message, or a
        reply's thread opened at it."""
        if self.thread_id is not None:
            return f"{self.thread_url()}#reply-{self.pk}"
        room_url = reverse("rooms:room", args=[self.room.slug])
        return f"{room_url}?around={self.pk}#message-{self.pk}"

    def thread_url(self):
        """Return the URL of the thread this message starts or is a reply in."""
        route = _thread_route().replace(SLUG_MARKER, self.room.slug)
        return route.replace(ID_MARKER, str(self.thread_id or self.pk))

    def remember_mentions(self):
        """Store whom the body mentions, and keep them for drawing it."""
        names = set(MENTION.findall(self.body))
        self.mentions.set(get_user_model().objects.filter(username__in=names))
        # The broadcast draws it next, maybe where the ORM may not run.
        prefetch_related_objects([self], mentions_with_names())

    def keep_attachments(self, attachments):
        """Keep the files for drawing the message, as with_author() does."""
        # The broadcast draws it next, maybe where the ORM may not run.
        cache = self.__dict__.setdefault("_prefetched_objects_cache", {})
        cache["attachments"] = attachments

    def keep_link_previews(self, previews):
        """Keep the link previews for drawing the message, as with_author()
        does: a message just posted has none yet, and asks nothing."""
        cache = self.__dict__.setdefault("_prefetched_objects_cache", {})
        cache["link_previews"] = previews

    def mentioned(self):
        """Return the people the body mentions, by username."""
        if not MENTION.search(self.body):
            return {}  # and no query, as when stored
        return {user.username: user for user in self.mentions.all()}

    def body_html(self):
        """Return the body formatted, its mentions linked."""
        return self.body_html_of(self.body)

    def body_html_of(self, body):
        """Return body formatted with this message's mentions linked."""
        return formatting.render(body, self.mentioned())

    def history(self):
        """Return what the message says now and said before, newest first.

        The present text comes first, as an unsaved MessageVersion, so a
        page draws every version alike.
        """
        now = MessageVersion(
            message=self, body=self.body, written=self.edited or self.created
        )
        return [now, *self.versions.order_by("-pk")]

    def count_reply(self, reply):
        """Show a reply just stored in this thread's summary, and have its
        writer, this message's writer and those it mentions follow the
        thread. Call under the room's lock, which orders the counting."""
        Room = self._meta.get_field("room").related_model
        self.refresh_from_db(fields=["reply_count"])
        self.reply_count += 1
        self.last_reply = reply.created
        self.revision = Room.objects.next_revision(self.room_id)
        self.save(update_fields=["reply_count", "last_reply", "revision"])
        ThreadFollow.objects.follow(
            self, {self.author_id, *(p.pk for p in reply.mentioned().values())}
        )
        ThreadFollow.objects.follow(self, [reply.author_id], read_up_to=reply.pk)
        ThreadFollow.objects.mark_read(reply.author, self, reply.pk)

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
        """Replace the text, keeping the one it replaces as a version."""
        with self._changing(self.can_be_edited_by, by):
            # Read under the lock: no edit's text is lost or kept twice.
            written = self.edited or self.created
            self.versions.create(body=self.body, written=written)
            self.body, self.edited = body, timezone.now()
            self.save(update_fields=["body", "edited", "revision"])
            before = set(self.mentions.values_list("pk", flat=True))
            self.remember_mentions()
            # Told as of a new message (rooms/messages/changes.py).
            self.newly_mentioned = {u.pk for u in self.mentions.all()} - before

    def remove(self, *, by):
        """Delete the text, its earlier versions and the files; the message
        keeps its place."""
        with self._changing(self.can_be_deleted_by, by):
            self.body, self.deleted, self.reactors = "", timezone.now(), {}
            self.save(update_fields=["body", "deleted", "reactors", "revision"])
            MessageVersion.objects.filter(message=self).delete()  # its words too
            Attachment.objects.filter(message=self).delete()  # files too: signals
            LinkPreview.objects.filter(message=self).delete()  # pictures too
            self.keep_attachments([])
            self.keep_link_previews([])

    def add_link_previews(self, previews):
        """Show what its linked pages say under the message (unsaved
        LinkPreviews); PermissionDenied if it was deleted meanwhile."""
        with self._changing(lambda user: not self.deleted, None):
            self.save(update_fields=["revision"])
            for preview in previews:
                preview.message = self
            LinkPreview.objects.bulk_create(previews)

    def remove_link_preview(self, preview_id, *, by):
        """Take one link's preview away: its author's or staff's to do."""
        with self._changing(self.can_be_deleted_by, by):
            self.save(update_fields=["revision"])
            LinkPreview.objects.filter(message=self, pk=preview_id).delete()
            # What the broadcast draws: the ones left.
            self.keep_link_previews(list(LinkPreview.objects.filter(message=self)))

    def toggle_reaction(self, emoji, *, by):
        if not is_emoji(emoji):
            raise ValueError(f"Not an emoji of Unicode's table: {emoji!r}")
        with self._changing(self.can_be_reacted_to_by, by):
            others = set(self.reactors) - set(REACTIONS)
            is_new = emoji not in self.reactors and emoji not in REACTIONS
            if is_new and len(others) >= MOST_OTHER_REACTIONS:
                raise TooManyReactions
            people = set(self.reactors.get(emoji, [])) ^ {by.pk}
            if people:
                self.reactors[emoji] = sorted(people)
            else:
                self.reactors.pop(emoji, None)
            self.save(update_fields=["reactors", "revision"])
            self.__dict__.pop("reactor_names", None)  # someone new, maybe

    @contextmanager
    def _changing(self, may_change, user):
        """Take the room's next revision, then re-read and check the message.

        Under the room's lock nothing else changes it: no concurrent
        reaction is lost, no deleted message is edited back, and what is
        broadcast is the whole message as stored.
        """
        # Through the relation: room.py imports this module.
        Room = self._meta.get_field("room").related_model
        with transaction.atomic():
            revision = Room.objects.next_revision(self.room_id)
            self.refresh_from_db(fields=["body", "edited", "deleted", "reactors"])
            if not may_change(user):
                raise PermissionDenied
            self.revision = revision
            yield

    def reactions(self):
        """Return each reaction's emoji, count, reactors' ids and names:
        the quick ones, then any other chosen, in an order that holds."""
        if "reactor_names" not in self.__dict__:
            name_reactors([self])
        others = sorted(set(self.reactors) - set(REACTIONS))
        reactions = []
        for emoji in [*REACTIONS, *others]:
            people = self.reactors.get(emoji, [])
            names = [
                self.reactor_names[pk] for pk in people if pk in self.reactor_names
            ]
            named = names[:REACTORS_NAMED]
            # Strings, not numbers: templates localise numbers, at a cost.
            reactions.append(
                {
                    "emoji": emoji,
                    "count": str(len(people)),
                    "reactors": " ".join(map(str, people)),
                    "names": named,
                    "unnamed": len(people) - len(named),
                }
            )
        return reactions


# Every message draws its thread's link: reverse() once, then fill it in
# (slugs and ids need no quoting).
SLUG_MARKER, ID_MARKER = "slug-marker", "4815162342"


@functools.cache
def _thread_route():
    return reverse("rooms:thread", args=[SLUG_MARKER, ID_MARKER])


def count_messages_posted_since(author, since):
    """Return how many messages author has posted since `since`, anywhere.

    The rate limit asks this for every message posted. Written out in SQL:
    the ORM takes many times longer to build the query than the database
    takes to answer it.
    """
    connection = connections[router.db_for_read(Message)]
    table = connection.ops.quote_name(Message._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} WHERE author_id = %s AND created >= %s",
            [author.pk, connection.ops.adapt_datetimefield_value(since)],
        )
        return cursor.fetchone()[0]
