"""Storing a Slack export: its people, its conversations and their history.

Everything is found again on a second run (Imported for people and
conversations, Message.imported_id for messages), so importing the same
export twice adds nothing, and a stopped import goes on where it stopped.
What cannot be imported is reported with its file and position, never
dropped silently; nothing already in the chat changes except by adding.
People and conversations are here, a conversation's messages in
history.py. Longer than most modules: one run's state (what was found
again, what was made, the problems met) is shared by all of its steps.
"""

import re
from collections import Counter

import emoji
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.forms import RESERVED_USERNAMES
from accounts.models import AccountClaim, Bot, Profile, hash_code, new_code
from rooms.models import (
    TOPIC_MAX_LENGTH,
    Imported,
    ReadMark,
    Room,
)
from rooms.slack.export import ExportProblem
from rooms.slack.history import HistoryBatch
from rooms.slack.markup import to_markdown

# Where each kind of conversation is listed, and the room it becomes, in
# the order they are read.
CONVERSATIONS = [
    ("channels.json", Room.Kind.OPEN),
    ("groups.json", Room.Kind.PRIVATE),
    ("mpims.json", Room.Kind.PRIVATE),
    ("dms.json", Room.Kind.DIRECT),
]


class SlackImport:
    """One run of an import; counts, problems and claims are read after."""

    def __init__(
        self,
        export,
        on_progress=lambda run: None,
        on_claim=lambda user, code: None,
        reissue_claims=False,
    ):
        self.export = export
        self.on_progress = on_progress
        # Each claim link is handed on as it is made: a stopped import
        # loses none (only its hash is kept).
        self.on_claim = on_claim
        self.reissue_claims = reissue_claims
        self.counts = Counter()
        self.problems = []  # (where, what)
        self.claims = []  # the people given a claim link this run
        self.people = {}  # Slack user id → User
        self.usernames = {}  # Slack user id → username, for the markup
        self.rooms = {}  # Slack conversation id → (slug, name), for the markup
        self.workspace = ""  # which Slack workspace or chat it came from
        self.new_rooms = set()  # the pks of rooms this run made

    def problem(self, where, what):
        self.problems.append((where, what))

    def run(self):
        self.import_people()
        found = []
        for file, kind in CONVERSATIONS:
            for position, data in enumerate(self.export.json(file, default=[])):
                room = self.conversation(kind, data, f"{file}[{position}]")
                if room is not None:
                    found.append((room, data, kind))
        self.counts["conversations"] = len(found)
        for room, data, kind in found:
            folder = data["id"] if kind == Room.Kind.DIRECT else data["name"]
            self.import_history(room, folder, data)
            self.counts["conversations done"] += 1
            self.on_progress(self)

    # People

    def import_people(self):
        users = self.export.json("users.json")
        # Slack writes each user's team; export_chat, the chat's address.
        first = users[0] if users and isinstance(users[0], dict) else {}
        self.workspace = str(first.get("team_id") or first.get("team") or "")[:200]
        for position, data in enumerate(users):
            try:
                user = self.person(data)
            except (KeyError, TypeError, AttributeError) as problem:
                self.problem(f"users.json[{position}]", f"not a user ({problem})")
                continue
            self.people[data["id"]] = user
            self.usernames[data["id"]] = user.username
        self.on_progress(self)

    def person(self, data):
        """Return the account of a Slack user: found, reused by email, or made."""
        slack_id = data["id"]
        user = self.imported(Imported.Kind.PERSON, slack_id, get_user_model())
        if user is not None:
            if (
                self.reissue_claims
                and AccountClaim.objects.filter(
                    user=user, claimed=None, user__is_active=True
                ).exists()
            ):
                self.claim(user)  # a new link; the lost one stops working
            return user
        profile = data.get("profile") or {}
        email = (profile.get("email") or "").strip()
        user = self.account_with(email, f"users.json {slack_id}")
        if user is not None:
            self.counts["people found by their confirmed email"] += 1
        else:
            name = profile.get("display_name") or profile.get("real_name")
            user = self.new_account(
                data.get("name") or slack_id,
                name or data.get("real_name") or "",
                email=email,
                active=not data.get("deleted"),
                bot=bool(data.get("is_bot")) or slack_id == "USLACKBOT",
                administrator=bool(data.get("is_admin")),
            )
        self.remember(Imported.Kind.PERSON, slack_id, user)
        return user

    def claim(self, user):
        self.claims.append(user)
        self.on_claim(user, AccountClaim.make(user))

    def account_with(self, email, where):
        """Return the one account whose owner confirmed this address, or None.

        Only a confirmed address says whose it is: anyone may type any
        address at sign-up, and the import would hand them the history and
        the private rooms of the person it names.
        """
        if not email:
            return None
        owners = list(
            get_user_model().objects.filter(
                email__iexact=email,
                email_notifications__confirmed_email__iexact=email,
            )[:2]
        )
        if len(owners) > 1:
            self.problem(
                where, f"{email} is confirmed by several accounts: a new one made"
            )
            return None
        return owners[0] if owners else None

    def new_account(
        self,
        name,
        display_name,
        *,
        email="",
        active=True,
        bot=False,
        administrator=False,
    ):
        """Make an account without a usable password; a person gets a claim link."""
        with transaction.atomic():
            user = get_user_model()(
                username=free_username(name),
                email=email,
                is_active=active,
                is_staff=administrator and not bot,
            )
            user.set_unusable_password()
            user.save()
            if display_name.strip():
                Profile.objects.create(
                    user=user, display_name=display_name.strip()[:50]
                )
            if bot:
                # A key nobody knows: an administrator resets it to use the bot.
                Bot.objects.create(user=user, key_hash=hash_code(new_code()))
        if active and not bot:
            self.claim(user)
        self.counts["bots" if bot else "people"] += 1
        return user

    def bot_author(self, data):
        """The account of a message a Slack integration posted (bot_message)."""
        slack_id = f"bot:{data.get('bot_id') or data.get('username')}"
        user = self.imported(Imported.Kind.PERSON, slack_id, get_user_model())
        if user is None:
            name = data.get("username") or data.get("bot_id") or "bot"
            user = self.new_account(name, name, bot=True)
            self.remember(Imported.Kind.PERSON, slack_id, user)
        return user

    # Conversations

    def conversation(self, kind, data, where):
        """Return the room of a Slack conversation: found, merged or made."""
        try:
            slack_id, members = data["id"], data.get("members") or []
            name = data.get("name") or slack_id
        except (KeyError, TypeError) as problem:
            self.problem(where, f"not a conversation ({problem})")
            return None
        people = [self.people[m] for m in members if m in self.people]
        unknown = [m for m in members if m not in self.people]
        if unknown:
            self.problem(where, f"members not in users.json: {', '.join(unknown)}")
        room = self.imported(Imported.Kind.ROOM, slack_id, Room)
        if room is None:
            room = self.new_room(kind, name, data, people, where)
            if room is None:
                return None
            self.remember(Imported.Kind.ROOM, slack_id, room)
        self.rooms[slack_id] = (room.slug, room.name)
        return room

    def new_room(self, kind, name, data, people, where):
        if kind == Room.Kind.DIRECT:
            if len(people) != 2:
                self.problem(where, "a direct conversation not of two known people")
                return None
            return Room.objects.direct_for(people)
        slug = slugify(name)[:80] or data["id"].lower()
        if name.startswith("mpdm-"):  # a group conversation: named by its people
            name = ", ".join(sorted(person.username for person in people))
        existing = Room.objects.filter(slug=slug).first()
        if existing is not None and kind == existing.kind == Room.Kind.OPEN:
            self.counts["rooms merged"] += 1
            return existing  # "general" adds its history to general
        topic = (data.get("topic") or {}).get("value") or ""
        topic = topic or (data.get("purpose") or {}).get("value") or ""
        room = Room.objects.create(
            name=(data.get("display_name") or name)[:80],
            slug=free_slug(slug),
            kind=kind,
            topic=to_markdown(topic, self.usernames, self.rooms)[:TOPIC_MAX_LENGTH],
            created_by=self.people.get(data.get("creator")),
        )
        if kind == Room.Kind.PRIVATE:
            room.members.add(*people)
        self.counts["rooms"] += 1
        self.new_rooms.add(room.pk)
        return room

    # History

    def import_history(self, room, folder, data):
        """Store a conversation's messages, a day file at a time."""
        history = HistoryBatch(self, room)
        for path, read in self.export.days(folder):
            try:
                day = read()
            except ExportProblem as problem:
                self.problem(problem.where, problem.what)
                continue
            if not isinstance(day, list):
                self.problem(path, "not a list of messages")
                continue
            for position, message in enumerate(day):
                history.add(message, f"{path}[{position}]")
        history.flush()
        # Only a room this run made: one here since may have been changed.
        if data.get("is_archived") and room.pk in self.new_rooms:
            Room.objects.filter(pk=room.pk).update(archived=timezone.now())
        self.mark_read(room, data)

    def mark_read(self, room, data):
        """History is read: its people do not find every room 99+ unread."""
        newest = room.messages.order_by("-pk").values_list("pk", flat=True).first()
        members = {
            self.people[m] for m in data.get("members") or [] if m in self.people
        }
        if room.is_private:  # with those who joined in its history
            members |= set(room.members.all())
        ReadMark.objects.bulk_create(
            [
                ReadMark(user=user, room=room, last_read_id=newest or 0)
                for user in members
            ],
            ignore_conflicts=True,
        )

    def imported(self, kind, source_id, model):
        """Return what an earlier run made of source_id, if it still exists."""
        found = Imported.objects.filter(
            workspace=self.workspace, kind=kind, source_id=source_id
        ).first()
        if found is None:
            return None
        made = model.objects.filter(pk=found.object_id).first()
        if made is None:
            found.delete()  # deleted here since: make it again
        return made

    def remember(self, kind, source_id, made):
        Imported.objects.create(
            workspace=self.workspace, kind=kind, source_id=source_id, object_id=made.pk
        )

    def emoji_of(self, name):
        """A Slack reaction's name (":thumbsup:", "+1::skin-tone-2") as emoji."""
        base = name.split("::")[0]
        found = emoji.emojize(f":{base}:", language="alias")
        return None if found == f":{base}:" else found


def free_username(name):
    """A username made from a Slack name ("Ada Lovelace" → "Ada_Lovelace"), free here."""
    base = re.sub(r"[^\w.@+-]+", "_", name).strip("_.")[:140] or "someone"
    taken = get_user_model().objects.filter(username__istartswith=base)
    taken = {username.lower() for username in taken.values_list("username", flat=True)}
    taken |= RESERVED_USERNAMES
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate


def free_slug(slug):
    taken = set(
        Room.objects.filter(slug__startswith=slug).values_list("slug", flat=True)
    )
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug}-{number}"[:80]
    return candidate
