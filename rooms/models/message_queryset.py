"""How messages are read and stored in bulk: ready to draw (author,
mentions, files, previews, who reacted), a page of history, a search, a
catch-up, and the one INSERT every posted message takes."""

import functools
import re

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections, models, router
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable
from django.utils import timezone

from accounts import profiles

from .attachment import Attachment
from .link_preview import LinkPreview
from .message_version import MessageVersion

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
    names = {}
    if ids:  # most messages drawn have no reactions: no query to build
        people = get_user_model().objects.select_related("profile").in_bulk(ids)
        names = {pk: profiles.display_name(person) for pk, person in people.items()}
    for message in messages:
        message.reactor_names = names


class MessageQuerySet(models.QuerySet):
    def with_author(self):
        """Return messages ready to draw: room (for the thread's link),
        author, mentions, files, previews and the names of those who
        reacted read too."""
        ready = self.select_related(
            "room", "author__bot", "author__profile"
        ).prefetch_related(mentions_with_names(), "attachments", "link_previews")
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
            for field in _inserted_fields(self.model)
        ]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(self.model, alias), values)
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

    def remove_all(self):
        """Delete these messages as Message.remove deletes one, in a few
        statements however many. Call inside a transaction; return them as
        stored, ready to draw.

        Each room takes one change number for all of its messages, under
        its lock, so a catch-up reads them all or none.
        """
        Room = self.model._meta.get_field("room").related_model
        ids = list(self.filter(deleted=None).values_list("pk", flat=True))
        now = timezone.now()
        rooms = self.model.objects.filter(pk__in=ids).values_list("room", flat=True)
        for room_id in sorted(set(rooms)):  # in one order: no deadlock
            self.model.objects.filter(pk__in=ids, room=room_id).update(
                body="",
                deleted=now,
                reactors={},
                revision=Room.objects.next_revision(room_id),
            )
        MessageVersion.objects.filter(message__in=ids).delete()  # their words too
        Attachment.objects.filter(message__in=ids).delete()  # files too: signals
        LinkPreview.objects.filter(message__in=ids).delete()  # pictures too
        return list(self.model.objects.filter(pk__in=ids).with_author())

    def changed_since(self, revision):
        """Return the messages edited, deleted or reacted to after revision."""
        return self.filter(revision__gt=revision).order_by("revision")

    def posted_here(self):
        """Return the messages posted here, not brought in by an import: the
        sweeps tell people and bots of these only, never of history."""
        return self.filter(imported_id=None)

    def in_log(self):
        """Return the messages a room's log shows: all but thread-only replies."""
        return self.filter(in_room=True)

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


@functools.cache
def _inserted_fields(model):
    return [field for field in model._meta.concrete_fields if not field.primary_key]


@functools.cache
def _insert_sql(model, alias):
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(field.column) for field in _inserted_fields(model))
    values = ", ".join(["%s"] * len(_inserted_fields(model)))
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "
        f"VALUES ({values}) RETURNING {quote(model._meta.pk.column)}"
    )
