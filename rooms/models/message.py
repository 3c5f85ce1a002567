import functools
import re
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.core.exceptions import PermissionDenied
from django.db import connections, models, router, transaction
from django.db.models import prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable
from django.urls import reverse
from django.utils import timezone

from accounts import profiles
from rooms.messages import formatting
from rooms.messages.emoji_names import is_emoji
from rooms.messages.formatting import MENTION

from .attachment import Attachment
from .message_version import MessageVersion

MESSAGE_MAX_LENGTH = 5000
# The quick reactions every message offers, first and in this order; any
# other emoji chosen follows them.
REACTIONS = ["👍", "❤️", "😂", "🎉", "😮"]
# A reaction names this many of the people who chose it, then counts the rest.
REACTORS_NAMED = 10
# Kinds of reaction a message may carry besides the quick ones: plenty for a
# conversation, few enough to draw with the message every time.
MOST_OTHER_REACTIONS = 20
# On Postgres search ranks the newest this many matches: a common word
# matches most of a big log, and ranking them all would read it all.
SEARCH_CANDIDATES = 500
# The stored words of migration 0010, a column only Postgres has. The name
# is unqualified: no other table a search reads has such a column.
SEARCH_WORDS = RawSQL("search_words", (), output_field=SearchVectorField())


def mentions_with_names():
    """The people a message mentions, read with how they show."""
    people = get_user_model().objects.select_related("profile")
    return models.Prefetch("mentions", queryset=people)


class TooManyReactions(Exception):
    """A new kind of reaction on a message that has MOST_OTHER_REACTIONS."""


class ReadyToDraw(ModelIterable):
    """Messages as with_author() reads them: with the names of the people
    who reacted, for the event loop may draw them and may not query."""

    def __iter__(self):
        messages = list(super().__iter__())
        name_reactors(messages)
        return iter(messages)


def name_reactors(messages):
    """Read the names of everyone who reacted to messages, in one query."""
    ids = {pk for m in messages for people in m.reactors.values() for pk in people}
    people = get_user_model().objects.select_related("profile").in_bulk(ids)
    names = {pk: profiles.display_name(person) for pk, person in people.items()}
    for message in messages:
        message.reactor_names = names


class MessageQuerySet(models.QuerySet):
    def with_author(self):
        """Return messages ready to draw: author, mentions, files and the
        names of those who reacted read too."""
        ready = self.select_related("author__bot", "author__profile").prefetch_related(
            mentions_with_names(), "attachments"
        )
        ready._iterable_class = ReadyToDraw
        return ready

    def insert(self, **fields):
        """Store a new message and return it, as create() does.

        Every message posted is stored here. create() builds the same
        INSERT anew each time, which takes longer than the database takes
        to run it; here it is built once per database. No save signals:
        Message has none.
        """
        message = self.model(**fields)
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        values = [
            field.get_db_prep_save(field.pre_save(message, True), connection)
            for field in _inserted_fields()
        ]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(alias), values)
            message.pk = cursor.fetchone()[0]
        message._state.adding = False
        message._state.db = alias
        return message

    def latest_page(self, size):
        """Return the newest `size` messages, oldest first."""
        newest = self.order_by("-pk")[:size]
        return sorted(newest, key=lambda message: message.pk)

    def readable_by(self, user):
        # Through the relation: room.py imports this module.
        Room = self.model._meta.get_field("room").related_model
        return self.filter(room__in=Room.objects.visible_to(user))

    def search(self, terms):
        """Return the messages matching every word of terms, best first.

        On Postgres: by relevance then recency, among the newest
        SEARCH_CANDIDATES matches, through the stored words and their index.
        Elsewhere: every message read, newest first.
        """
        if connections[self.db].vendor != "postgresql":
            # As Postgres's web search reads them: "a phrase", -not.
            found = self
            for negated, text in search_terms(terms):
                found = (found.exclude if negated else found.filter)(
                    body__icontains=text
                )
            return found.order_by("-pk")
        query = SearchQuery(terms, config="english", search_type="websearch")
        newest = (
            self.annotate(words=SEARCH_WORDS)
            .filter(words=query)
            .order_by("-pk")
            .values("pk")[:SEARCH_CANDIDATES]
        )
        return (
            self.model.objects.filter(pk__in=newest)
            .annotate(rank=SearchRank(SEARCH_WORDS, query))
            .order_by("-rank", "-pk")
        )

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
        """Return a room's messages after message_id, in order.

        Exact: a room's messages commit in the order of their ids
        (RoomQuerySet.lock), so none can still appear below message_id.
        """
        return self.filter(pk__gt=message_id).order_by("pk")


# A search's terms: "a quoted phrase" or a word, either after - to exclude.
SEARCH_TERM = re.compile(r'(-?)"([^"]+)"|(-?)([^\s"]+)')


def search_terms(terms):
    """Yield (excluded, text) for each phrase or word of a search."""
    for match in SEARCH_TERM.finditer(terms):
        negated, text = match[1] or match[3], match[2] or match[4]
        if text.strip() and text != "-":
            yield bool(negated), text.strip()


class Message(models.Model):
    room = models.ForeignKey("Room", related_name="messages", on_delete=models.CASCADE)
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
    # Each emoji chosen, with the ids of the people who chose it.
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
            # The notification emails' sweep, by age across rooms.
            models.Index(fields=["created"], name="message_created"),
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
        prefetch_related_objects([self], mentions_with_names())

    def keep_attachments(self, attachments):
        """Keep the files for drawing the message, as with_author() does."""
        # The broadcast draws it next, maybe where the ORM may not run.
        cache = self.__dict__.setdefault("_prefetched_objects_cache", {})
        cache["attachments"] = attachments

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
            self.remember_mentions()

    def remove(self, *, by):
        """Delete the text, its earlier versions and the files; the message
        keeps its place."""
        with self._changing(self.can_be_deleted_by, by):
            self.body, self.deleted, self.reactors = "", timezone.now(), {}
            self.save(update_fields=["body", "deleted", "reactors", "revision"])
            MessageVersion.objects.filter(message=self).delete()  # its words too
            Attachment.objects.filter(message=self).delete()  # files too: signals
            self.keep_attachments([])

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


@functools.cache
def _inserted_fields():
    return [field for field in Message._meta.concrete_fields if not field.primary_key]


@functools.cache
def _insert_sql(alias):
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(field.column) for field in _inserted_fields())
    values = ", ".join(["%s"] * len(_inserted_fields()))
    return (
        f"INSERT INTO {quote(Message._meta.db_table)} ({columns}) "
        f"VALUES ({values}) RETURNING {quote(Message._meta.pk.column)}"
    )


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
