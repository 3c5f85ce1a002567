"""The fragment gallery: every fragment the chat draws, from made-up data.

Each exhibit renders a template, or one partial of one, exactly as
production does, with unsaved instances: nothing is written. DEBUG or
staff only. To add a fragment, add one line to exhibits(): a slug, a
title, the template name (with #partial), the context it needs and, for a
piece of the log or the online list, the stage it lands on.

Beside the settings, not in an app: it shows every app's templates. Long
because it is a catalogue: one line per exhibit, and the made-up people,
rooms and messages they share.
"""

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
    UserCreationForm,
)
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.shortcuts import render
from django.template.loader import get_template, render_to_string
from django.template.loader_tags import ExtendsNode
from django.templatetags.static import static
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override

from accounts import profiles
from accounts.forms import (
    InvitationForm,
    NotificationsForm,
    ProfileForm,
    ReadingForm,
    SignUpModeForm,
)
from accounts.models import (
    AccountClaim,
    AdminAction,
    Bot,
    Invitation,
    Profile,
    SignUpPolicy,
)
from rooms.incoming.slack import payload_text
from rooms.messages.emoji_names import find
from rooms.messages.forms import TOO_FAST, MessageForm
from rooms.models import IncomingWebhook, Message, MessageVersion, Page, Room
from rooms.web.forms import DirectForm, MemberForm, RoomForm, RoomSettingsForm

User = get_user_model()


@dataclass
class Exhibit:
    slug: str
    title: str
    template: str
    context: dict = field(default_factory=dict)
    # Where a fragment lands, drawn around it on its stage: "log", "people",
    # or a message's "header" or "reactions".
    stage: str = ""

    @property
    def is_page(self):
        """A whole page (shown as itself), not a fragment placed on a stage."""
        if "#" in self.template or self.is_text:
            return False
        nodes = get_template(self.template).template.nodelist
        return self.template == "base.html" or bool(
            nodes.get_nodes_by_type(ExtendsNode)
        )

    @property
    def is_text(self):
        """Not HTML (a stylesheet): shown as its text."""
        return not self.template.split("#")[0].endswith(".html")

    @property
    def is_email(self):
        """An email's body: its own colours, light in every mail program."""
        return self.template.startswith("notify/")


def person(pk, username, webhook_url=None, profile=None, **fields):
    """Return someone unsaved; a bot if given a webhook_url ("" for none);
    profile: a dict of Profile fields."""
    user = User(pk=pk, username=username, **fields)
    bot = None if webhook_url is None else Bot(user=user, webhook_url=webhook_url)
    # Known up front, so drawing them asks the database nothing.
    User.bot.related.set_cached_value(user, bot)
    shown = None if profile is None else Profile(user=user, **profile)
    User.profile.related.set_cached_value(user, shown)
    User.claim.related.set_cached_value(user, None)
    return user


# The people and the room every exhibit shares. ada is the viewer.
ada = person(1, "ada", email="ada@example.com")
grace = person(
    2,
    "grace",
    profile={
        "display_name": "Grace Hopper",
        "bio": "Compilers, COBOL, and the first bug.",
        "version": 3,
    },
)
linus = person(3, "linus")
deploybot = person(4, "deploybot", webhook_url="https://ci.example.com/chat-hook")
room = Room(pk=1, name="general", slug="general")
secret = Room(pk=2, name="design", slug="design", kind=Room.Kind.PRIVATE)
direct = Room(pk=3, name="ada, grace", slug="_dm-1-2", kind=Room.Kind.DIRECT)
NOON = datetime(2026, 3, 14, 12, 0, tzinfo=UTC)
# A room with a topic, archived.
described = Room(
    pk=4,
    name="launch",
    slug="launch",
    topic="Everything about the March launch: dates, owners, what blocks it",
    archived=NOON,
)


def said(pk, author, body, minutes=0, files=(), previews=()):
    created = NOON + timedelta(minutes=minutes)
    message = Message(pk=pk, room=room, author=author, body=body, created=created)
    message.keep_attachments(list(files))
    message.keep_link_previews(list(previews))
    return message


SHORT = said(101, grace, "Morning! Coffee at ten?")
FROM_BOT = said(120, deploybot, "Deployed **v2.4.1** to production.")
hookbot = person(5, "webhook-general", webhook_url="")
# What a Slack client sends, as an incoming webhook posts it.
FROM_WEBHOOK = said(121, hookbot, "**Jenkins**\n" + payload_text({
    "text": "*Build 812* of <https://ci.example.com/812|main> failed",
    "attachments": [{"color": "danger", "title": "3 tests failed", "title_link": "https://ci.example.com/812/tests",
                     "text": "`test_checkout` and 2 more", "fields": [{"title": "Branch", "value": "main", "short": True}],
                     "footer": "CI", "ts": 1773489600}],
}))  # fmt: skip
WEBHOOKS = [IncomingWebhook(pk=1, room=room, bot=hookbot, created_by=ada, created=NOON)]
MINE = said(102, ada, "On my way.", minutes=1)
LONG = said(
    103,
    linus,
    "I read the whole proposal last night and I think the second half needs "
    "another pass: the part about moving the release is fine, but the numbers "
    "in the table do not add up, and nobody says who signs off on the budget. "
    + "Supercalifragilisticexpialidocious"
    * 4,
    minutes=2,
)
MULTILINE = said(104, grace, "Agenda:\n1. Release\n2. Budget\n3. Lunch", minutes=3)
LINK = said(105, ada, "Notes: https://example.com/notes?week=11", minutes=4)
CONVERSATION = [SHORT, MINE, LONG, MULTILINE, LINK]


def mentioning(message, *people):
    """Give a made-up message the mentions storing it would have found."""
    message._prefetched_objects_cache["mentions"] = list(people)
    return message


MENTION = mentioning(
    said(106, grace, "@ada can you check @linus's numbers?", 5), ada, linus
)
EDITED = said(107, ada, "On my way, ten minutes late.", minutes=6)
EDITED.edited = NOON + timedelta(minutes=7)
# EDITED's history, newest first, as Message.history() reads it.
EDITED_HISTORY = [
    MessageVersion(message=EDITED, body=EDITED.body, written=EDITED.edited),
    MessageVersion(message=EDITED, body="On my way.", written=EDITED.created),
]
DELETED = said(108, linus, "", minutes=8)
DELETED.deleted = NOON + timedelta(minutes=9)
REACTED = said(109, grace, "Lunch is on me today.", minutes=10)
REACTED.reactors = {"👍": [ada.pk, linus.pk], "🎉": [linus.pk], "🥗": [grace.pk]}
# As with_author() reads them.
REACTED.reactor_names = {p.pk: profiles.display_name(p) for p in (ada, grace, linus)}
FORMATTED = said(
    110,
    linus,
    "**Release** is *Friday*, ~~Thursday~~: run `make test` first.\n"
    "Checklist at https://example.com/release and www.example.org/faq.",
    minutes=11,
)
CODE = said(
    111,
    grace,
    "The fix:\n```python\ndef total(rows):\n    return sum(row.amount for row in rows)\n```",
    minutes=12,
)
QUOTED = said(
    112,
    ada,
    "> the numbers in the table do not add up\n\nAgreed. Two things:\n"
    "- the budget\n- who signs off",
    minutes=13,
)


@dataclass
class SampleFile:
    """An attachment's look-alike: its picture is one of the gallery's own."""

    name: str
    size: int
    is_image: bool = False
    width: int | None = None
    height: int | None = None

    def get_absolute_url(self):
        return static("gallery/photo.png") if self.is_image else "#"

    def thumbnail_url(self):
        return static("gallery/photo.png")


PHOTO = SampleFile("hills.png", 7580, is_image=True, width=600, height=400)
REPORT = SampleFile("Quarterly report, final (2).pdf", 2_480_000)
WITH_PHOTO = said(113, grace, "The view from the office today", 14, files=[PHOTO])
WITH_FILE = said(114, linus, "The numbers, corrected:", 15, files=[REPORT])
FILES_ONLY = said(115, ada, "", 16, files=[PHOTO, REPORT])

# A thread: a question, three replies, one of them sent to the room too.
QUESTION = said(130, linus, "Who owns the **release checklist** this time?", 20)
QUESTION.reply_count, QUESTION.last_reply = 3, NOON + timedelta(minutes=24)
REPLIES = [
    said(131, grace, "I do, until Friday.", 21),
    said(132, ada, "I'll take it after that.", 23),
    said(133, grace, "Noted in the checklist itself.", 24),
]
for reply in REPLIES:
    reply.thread = QUESTION
REPLIES[2].in_room = True
UNANSWERED = said(134, ada, "Anyone for lunch?", 25)


def thread_context(form=None, **extra):
    return {
        "thread": QUESTION,
        "replies": REPLIES,
        "thread_form": form or MessageForm(),
        **extra,
    }


def followed_threads():
    unread = SimpleNamespace(thread=QUESTION, unread_count=2)
    answered = copy.copy(SHORT)
    answered.reply_count, answered.last_reply = 1, NOON + timedelta(minutes=2)
    return {"follows": [unread, SimpleNamespace(thread=answered, unread_count=0)]}


@dataclass
class SamplePreview:
    """A link preview's look-alike: its picture is one of the gallery's own."""

    pk: int
    url: str
    title: str
    description: str = ""
    image: bool = False
    width: int | None = None
    height: int | None = None

    def image_url(self):
        return static("gallery/photo.png")


HILLS = SamplePreview(
    1,
    "https://example.com/walks/hills",
    "Walking the hills above the town: five routes for a spring weekend",
    "Maps, distances and where to stop for lunch, from a short loop to a "
    "day across the ridge.",
    image=True,
    width=120,
    height=80,
)
BARE = SamplePreview(2, "https://example.org/faq", "Frequently asked questions")
WITH_PREVIEW = said(
    116, ada, "For Saturday: https://example.com/walks/hills", 17, previews=[HILLS]
)
WITH_PREVIEWS = said(
    117,
    linus,
    "Both: https://example.com/walks/hills and https://example.org/faq",
    18,
    previews=[HILLS, BARE],
)


def composer_with_error(text, error=None):
    form = MessageForm({"message": text})
    form.is_valid()
    if error:
        form.add_error("message", error)
    return form


def file_refused():
    form = MessageForm({"message": "Here is the recording"})
    form.is_valid()
    form.add_error(
        "attachments", "“meeting.mov” is 212.4 MB; a file can be at most 10.0 MB."
    )
    return form


@cache  # a password hash is slow on purpose, even for a refusal
def failed_sign_in():
    form = AuthenticationForm(data={"username": "ada", "password": "wrong"})
    form.is_valid()
    return form


def failed_sign_up():
    form = UserCreationForm(
        {"username": "ada!", "password1": "secret", "password2": "other"}
    )
    form.is_valid()
    return form


def emoji_found(typed):
    """What the reaction chooser shows for a name typed."""
    found, more = find(typed)
    return {"typed": typed, "choices": found, "more": more}


def room_page(messages, online, **extra):
    page = Page(messages, has_older=bool(messages), has_newer=False)
    return {
        "room": room,
        "page": page,
        "messages": messages,
        "after": messages[-1].pk if messages else 0,
        "online": online,
        "form": MessageForm(),
        **sidebar([room, secret], [direct], unread=[secret]),
        "current_room": room,
        **extra,
    }


def listed_as(entry, **state):
    """A room as a sidebar lists it: unread_count, muted, archived."""
    entry = copy.copy(entry)
    entry.unread_count, entry.muted = 0, False
    for name, value in state.items():
        setattr(entry, name, value)
    return entry


def sidebar(rooms, conversations, unread=()):
    """Return a sidebar's context: these rooms, the ones in unread marked."""

    def listed(entry):
        return listed_as(entry, unread_count=3 if entry in unread else 0)

    return {
        "sidebar_rooms": [listed(room) for room in rooms],
        "sidebar_conversations": [listed(room) for room in conversations],
    }


def missed_email():
    example = "https://chat.example.com"
    return {
        "user": ada,
        "missed": [(m, f"{example}{m.get_absolute_url()}") for m in [SHORT, LONG]],
        "settings_url": f"{example}/accounts/notifications/",
        "unsubscribe_url": f"{example}/accounts/notifications/off/signed-token/",
    }


def unknown_person():
    form = DirectForm({"username": "nobody-here"})
    form.is_valid()
    return form


def refusal(reason):
    return Exhibit(
        f"refusal-{reason}",
        f"Refusal: {reason}",
        "rooms/room.html#refusal",
        {"reason": reason},
    )


def people_page(**extra):
    administrator = copy.copy(ada)
    administrator.is_staff = True
    gone = person(3, "linus", is_active=False)
    imported = person(5, "margaret")
    imported.claim = AccountClaim(user=imported, created=NOON)  # not claimed yet
    return {
        "user": administrator,
        "policy": SignUpPolicy(mode=SignUpPolicy.Mode.INVITATION, join_code="x" * 43),
        "mode_form": SignUpModeForm(initial={"mode": SignUpPolicy.Mode.INVITATION}),
        "reading_form": ReadingForm(initial={"reading": SignUpPolicy.Reading.PEOPLE}),
        "join_url": "https://chat.example.com/join/" + "x" * 43 + "/",
        "invitation_form": InvitationForm(),
        "invitations": [Invitation(pk=1, note="Margaret", created_by=ada, created=NOON)],
        "used_invitations": [Invitation(pk=2, note="Grace", created_by=ada, created=NOON, used_by=grace, used=NOON)],
        "people": [administrator, deploybot, grace, gone, imported],
        "directory": [administrator, deploybot, grace],
        "actions": [AdminAction(actor=ada, action="deactivated", subject=gone, created=NOON), AdminAction(actor=ada, action="set who may join", detail="Only people with the join link or an invitation", created=NOON)],
        **extra,
    }  # fmt: skip


def exhibits():
    """Return every exhibit, in the order the gallery shows them."""
    r = "rooms/room.html"
    too_long = "x" * 5001
    return [
        # Messages and the log
        Exhibit("message-short", "A message, theirs", f"{r}#message", {"message": SHORT}, stage="log"),
        Exhibit("message-mine", "A message, mine", f"{r}#message", {"message": MINE}, stage="log"),
        Exhibit("message-bot", "A message from a bot", f"{r}#message", {"message": FROM_BOT}, stage="log"),
        Exhibit("message-webhook", "A message from a Slack-compatible incoming webhook", f"{r}#message", {"message": FROM_WEBHOOK}, stage="log"),
        Exhibit("message-long", "A long message", f"{r}#message", {"message": LONG}, stage="log"),
        Exhibit("message-multiline", "A multi-line message", f"{r}#message", {"message": MULTILINE}, stage="log"),
        Exhibit("message-link", "A message with a link", f"{r}#message", {"message": LINK}, stage="log"),
        Exhibit("message-mention", "A message mentioning ada and linus", f"{r}#message", {"message": MENTION}, stage="log"),
        Exhibit("message-formatted", "A message with bold, italic, struck text, code and links", f"{r}#message", {"message": FORMATTED}, stage="log"),
        Exhibit("message-code", "A message with a code block", f"{r}#message", {"message": CODE}, stage="log"),
        Exhibit("message-quote-list", "A message with a quote and a list", f"{r}#message", {"message": QUOTED}, stage="log"),
        Exhibit("message-image", "A message with a picture", f"{r}#message", {"message": WITH_PHOTO}, stage="log"),
        Exhibit("message-file", "A message with a file", f"{r}#message", {"message": WITH_FILE}, stage="log"),
        Exhibit("message-files-only", "A message of files alone", f"{r}#message", {"message": FILES_ONLY}, stage="log"),
        Exhibit("message-link-preview", "A message with a link's preview", f"{r}#message", {"message": WITH_PREVIEW}, stage="log"),
        Exhibit("message-link-previews", "A message with two links' previews, one without picture or description", f"{r}#message", {"message": WITH_PREVIEWS}, stage="log"),
        Exhibit("message-edited", "An edited message", f"{r}#message", {"message": EDITED}, stage="log"),
        Exhibit("message-deleted", "A deleted message", f"{r}#message", {"message": DELETED}, stage="log"),
        Exhibit("message-reactions", "A message with reactions, one of them ada's", f"{r}#message", {"message": REACTED}, stage="log"),
        Exhibit("message-author", "A message's author: picture and name", f"{r}#message-author", {"person": ada}, stage="header"),
        Exhibit("reaction-buttons", "A message's reaction buttons, one of them ada's", f"{r}#reaction-buttons", {"reactions": REACTED.reactions()}, stage="reactions"),
        Exhibit("reactors", "Who chose a reaction: its button's title and name", f"{r}#reactors", {"reaction": REACTED.reactions()[0]}),
        Exhibit("emoji-chooser", "The chooser of any emoji, opened by a message's +", f"{r}#emoji-chooser", {"chooser_open": True}),
        Exhibit("emoji-options", "Emoji matching \"party\", as it is typed in the chooser", "rooms/emoji_options.html", emoji_found("party")),
        Exhibit("emoji-options-none", "No emoji matches what is typed", "rooms/emoji_options.html", emoji_found("zzz")),
        Exhibit("emoji-status", "What the chooser shows, said to screen readers", "rooms/emoji_options.html#emoji-status", emoji_found("face")),
        Exhibit("messages-changed", "A message changed: edited, deleted or reacted to (socket)", f"{r}#messages-changed", {"messages": [EDITED]}, stage="log"),
        Exhibit("message-highlighted", "A permalinked message", f"{r}#message", {"message": SHORT, "highlighted": SHORT.pk}, stage="log"),
        Exhibit("day-divider", "A day divider, by UTC day (local-times.js redraws it by the reader's)", f"{r}#day-divider", {"day": NOON}, stage="log"),
        Exhibit("older-link", "The link to older messages", f"{r}#older-link", {"page": Page(CONVERSATION, True, False)}, stage="log"),
        Exhibit("newer-link", "The link to newer messages, on a page of history", f"{r}#newer-link", {"page": Page(CONVERSATION, False, True)}, stage="log"),
        Exhibit("older-page", "A page of older messages (HTTP)", f"{r}#older-page", {"page": Page(CONVERSATION, True, False)}, stage="log"),
        Exhibit("newer-page", "A page of newer messages, under a page of history (HTTP)", f"{r}#newer-page", {"page": Page(CONVERSATION, False, True)}, stage="log"),
        Exhibit("newer-page-present", "The last page of newer messages (HTTP)", f"{r}#newer-page", {"page": Page(CONVERSATION, False, False), "reached_present": True}, stage="log"),
        Exhibit("messages-update", "New messages (socket)", f"{r}#messages-update", {"messages": CONVERSATION}, stage="log"),
        # Threads
        Exhibit("message-thread", "A message with replies in its thread", f"{r}#message", {"message": QUESTION}, stage="log"),
        Exhibit("message-reply-in-room", "A reply sent to the room too", f"{r}#message", {"message": REPLIES[2]}, stage="log"),
        Exhibit("thread-summary", "A message's replies: how many, the last when", f"{r}#thread-summary", {"message": QUESTION}, stage="log"),
        Exhibit("thread-summary-none", "A message's way to start a thread", f"{r}#thread-summary", {"message": UNANSWERED}, stage="log"),
        Exhibit("thread-panel", "A thread, open beside the room", f"{r}#thread-panel", thread_context(room=room, user=ada)),
        Exhibit("thread-panel-closed", "No thread open", f"{r}#thread-panel"),
        Exhibit("thread-head", "What a thread answers, at its top", f"{r}#thread-head", {"message": QUESTION}),
        Exhibit("thread-composer", "A thread's reply box", f"{r}#thread-composer", thread_context()),
        Exhibit("thread-composer-error", "A thread's reply box, refused", f"{r}#thread-composer", thread_context(composer_with_error("x" * 5001), focus="thread")),
        Exhibit("room-thread", "A room with a thread open", r, room_page(CONVERSATION, [ada, grace], **thread_context())),
        Exhibit("message-file-list", "A message's files", f"{r}#message-files", {"message": FILES_ONLY}, stage="log"),
        Exhibit("threads", "The threads someone follows", "rooms/threads.html", followed_threads()),
        Exhibit("threads-none", "No threads followed yet", "rooms/threads.html", {"follows": []}),
        # People
        Exhibit("online-empty", "Here now: nobody", f"{r}#online", {"online": []}, stage="people"),
        Exhibit("online-one", "Here now: one", f"{r}#online", {"online": [ada]}, stage="people"),
        Exhibit("online-many", "Here now: many", f"{r}#online", {"online": [ada, grace, linus]}, stage="people"),
        Exhibit("people-update", "Arrivals and departures (socket)", f"{r}#people-update", {"online": [ada, grace], "joined": [grace], "left": [linus]}),
        Exhibit("people-update-crowd", "Many arrive at once (socket)", f"{r}#people-update", {"online": [ada], "joined": [ada, grace, linus, ada], "left": []}),
        # Composer and controls
        Exhibit("composer", "The composer", f"{r}#composer"),
        Exhibit("composer-refused", "A refused message, its error", f"{r}#composer", {"form": composer_with_error("Too many at once", TOO_FAST)}),
        Exhibit("composer-too-long", "A message too long", f"{r}#composer", {"form": composer_with_error(too_long)}),
        Exhibit("composer-input", "The composer's field", f"{r}#composer-input"),
        Exhibit("composer-uploading", "The composer, uploading files", f"{r}#composer", {"upload_progress": 40}),
        Exhibit("composer-file-refused", "A refused file, its error", f"{r}#composer", {"form": file_refused()}),
        Exhibit("composer-multiline", "The composer, several lines typed", f"{r}#composer", {"form": MessageForm(initial={"message": "First line\nSecond line\n- and a list"})}),
        Exhibit("composer-error", "The composer's error", f"{r}#composer-error", {"form": composer_with_error("Again", TOO_FAST)}),
        Exhibit("composer-update", "The composer cleared (socket)", f"{r}#composer-update"),
        Exhibit("mention-options", "People to mention, as \"@g\" is typed", f"{r}#mention-options", {"offered": [grace, deploybot]}),
        Exhibit("sign-in", "Sign in, inline", f"{r}#sign-in", {"user": AnonymousUser()}),
        Exhibit("sign-in-failed", "Sign in, inline, failed", f"{r}#sign-in", {"user": AnonymousUser(), "sign_in_form": failed_sign_in()}),
        Exhibit("controls-signed-in", "Controls, signed in", f"{r}#controls"),
        Exhibit("controls-anonymous", "Controls, anonymous", f"{r}#controls", {"user": AnonymousUser()}),
        Exhibit("controls-update", "Controls replaced (socket)", f"{r}#controls-update"),
        Exhibit("viewer-update", "After an inline sign-in (socket)", f"{r}#viewer-update", {"exchange_token": "token"}),
        Exhibit("viewer-style", "The viewer's stylesheet link", f"{r}#viewer-style"),
        Exhibit("viewer-style-update", "The viewer's stylesheet, swapped", f"{r}#viewer-style-update"),
        Exhibit("viewer-css", "The viewer's rules, for ada", "rooms/viewer.css"),
        # The room's state
        Exhibit("connection-connecting", "Connection: connecting", f"{r}#connection", {"connection_state": "connecting"}),
        Exhibit("connection-open", "Connection: live", f"{r}#connection", {"connection_state": "open"}),
        Exhibit("connection-lost", "Connection: lost, reconnecting", f"{r}#connection", {"connection_state": "closed", "connection_reconnecting": True}),
        Exhibit("connection-back", "Connection: back", f"{r}#connection", {"connection_state": "open", "connection_back": True}),
        Exhibit("connection-closed", "Connection: closed for good", f"{r}#connection", {"connection_state": "closed"}),
        Exhibit("alert-delayed", "Alert: delivery delayed", f"{r}#alert", {"alert": "delivery-delayed"}),
        Exhibit("alert-not-understood", "Alert: not understood", f"{r}#alert", {"alert": "not-understood"}),
        *(refusal(reason) for reason in ["no-room", "signed-out", "account-changed", "sign-in-to-post", "members-only", "removed", "left", "sign-in-to-read", "too-many-sockets", "deactivated"]),
        Exhibit("account-signed-in", "The account area, signed in", "accounts/account.html", {"room": room}),
        Exhibit("account-anonymous", "The account area, anonymous", "accounts/account.html", {"user": AnonymousUser()}),
        # Whole pages
        Exhibit("room", "A room", r, room_page(CONVERSATION, [ada, grace])),
        Exhibit("room-unread", "A room, new since you were here", r, room_page(CONVERSATION, [ada], first_unread_id=MULTILINE.pk)),
        Exhibit("edit-message", "Edit a message (no JavaScript)", "rooms/edit_message.html", {"message": EDITED, "form": MessageForm(initial={"message": EDITED.body})}),
        Exhibit("message-history", "A message's earlier versions", "rooms/message_history.html", {"message": EDITED, "versions": EDITED_HISTORY}),
        Exhibit("message-history-deleted", "A deleted message's history: nothing kept", "rooms/message_history.html", {"message": DELETED, "versions": []}),
        Exhibit("delete-message", "Delete a message (no JavaScript)", "rooms/delete_message.html", {"message": EDITED}),
        Exhibit("remove-preview", "Remove a link's preview (no JavaScript)", "rooms/remove_preview.html", {"message": WITH_PREVIEW, "preview": HILLS}),
        Exhibit("react", "React to a message (no JavaScript)", "rooms/react.html", {"message": EDITED, "emoji": "🎉"}),
        Exhibit("react-take-back", "Take a reaction back (no JavaScript)", "rooms/react.html", {"message": EDITED, "emoji": "👍", "chosen": True}),
        Exhibit("react-choose", "Choose any emoji to react with (no JavaScript)", "rooms/react_choose.html", {"message": EDITED, **emoji_found("")}),
        Exhibit("react-choose-found", "Emoji found by name to react with (no JavaScript)", "rooms/react_choose.html", {"message": EDITED, **emoji_found("heart")}),
        Exhibit("room-empty", "An empty room", r, room_page([], [])),
        Exhibit("room-topic-archived", "A room with a topic, archived", r, room_page(CONVERSATION, [grace], room=described)),
        Exhibit("room-topic", "A room's topic", f"{r}#room-topic", {"room": described}),
        Exhibit("room-archived", "An archived room's notice", f"{r}#room-archived", {"room": described}),
        Exhibit("room-changed", "A room renamed, described or archived (socket)", f"{r}#room-changed", {"room": described}),
        Exhibit("room-settings", "A room's settings, for its creator", "rooms/room_settings.html", {"room": room, "form": RoomSettingsForm(instance=room), "may_change": True, "may_leave": True}),
        Exhibit("room-settings-archived", "An archived room's settings", "rooms/room_settings.html", {"room": described, "form": RoomSettingsForm(instance=described), "may_change": True, "may_leave": True}),
        Exhibit("room-settings-member", "A room's settings, for anyone else", "rooms/room_settings.html", {"room": described, "may_leave": True}),
        Exhibit("room-anonymous", "A room, anonymous", r, room_page(CONVERSATION, [grace], user=AnonymousUser(), **sidebar([room], []))),
        Exhibit("sidebar", "The sidebar beside a room", "rooms/sidebar.html", {**sidebar([room, secret], [direct], unread=[secret]), "fold": True, "current_room": room}),
        Exhibit("sidebar-lists", "The sidebar's lists", "rooms/sidebar.html#lists", sidebar([room, secret], [direct])),
        Exhibit("sidebar-entry", "A room in the sidebar", "rooms/sidebar.html#room-entry", {"room": room}),
        Exhibit("sidebar-entry-current", "The open room in the sidebar", "rooms/sidebar.html#room-entry", {"room": room, "current_room": room}),
        Exhibit("sidebar-entry-unread", "A room in the sidebar, 3 unread", "rooms/sidebar.html#room-entry", {"room": listed_as(room, unread_count=3)}),
        Exhibit("sidebar-entry-many-unread", "A room in the sidebar, 100 unread or more", "rooms/sidebar.html#room-entry", {"room": listed_as(room, unread_count=100)}),
        Exhibit("sidebar-entry-muted", "A muted room in the sidebar, mentioned once", "rooms/sidebar.html#room-entry", {"room": listed_as(room, unread_count=1, muted=True)}),
        Exhibit("sidebar-entry-archived", "An archived room in the sidebar", "rooms/sidebar.html#room-entry", {"room": listed_as(room, archived=NOON)}),
        Exhibit("sidebar-entry-classes", "A room entry's classes", "rooms/sidebar.html#entry-classes", {"room": listed_as(secret, muted=True)}),
        Exhibit("sidebar-entry-name", "A room entry's name, muted", "rooms/sidebar.html#entry-name", {"room": listed_as(room, muted=True)}),
        Exhibit("sidebar-lists-update", "The sidebar's lists (socket)", "rooms/sidebar.html#lists-update", sidebar([room], [])),
        Exhibit("sidebar-entry-added", "A room someone opened (socket)", "rooms/sidebar.html#entry-added", {"room": room}),
        Exhibit("sidebar-entry-removed", "A room taken away (socket)", "rooms/sidebar.html#entry-removed", {"room_id": room.pk}),
        Exhibit("sidebar-entry-update", "A room's entry: new messages, read, renamed (socket)", "rooms/sidebar.html#entry-update", {"room": listed_as(room, unread_count=2)}),
        Exhibit("sidebar-signed-out-lists", "The lists once signed out elsewhere (socket)", "rooms/sidebar.html#signed-out-lists"),
        Exhibit("lobby-signed-out", "The lobby's header and lists once signed out elsewhere (socket)", "rooms/sidebar.html#signed-out-update", {"user": AnonymousUser()}),
        Exhibit("message-posted", "A message posted (socket)", f"{r}#message-posted", {"messages": [SHORT]}),
        Exhibit("reply-posted", "A reply posted: into its thread, and its count (socket)", f"{r}#message-posted", {"messages": [REPLIES[0]]}),
        Exhibit("typing-update", "Someone is typing (socket)", f"{r}#typing-update", {"typist": grace}),
        Exhibit("lobby", "The lobby", "rooms/lobby.html", sidebar([room, secret], [direct], unread=[room])),
        Exhibit("lobby-empty", "The lobby, no rooms", "rooms/lobby.html", sidebar([], [])),
        Exhibit("notifications", "Notification settings", "accounts/notifications.html", {"form": NotificationsForm(instance=ada), "sending": True, "wait_minutes": 15, "saved": True, "confirmed": True, "vapid_public_key": "BExampleKey"}),
        Exhibit("notifications-unconfirmed", "Notification settings, the address not confirmed yet", "accounts/notifications.html", {"form": NotificationsForm(instance=ada), "sending": True, "wait_minutes": 15, "link_sent": True}),
        Exhibit("email-confirmed", "An email address confirmed, from its link", "accounts/email_confirmed.html", {"confirmed": ada}),
        Exhibit("email-confirm-invalid", "A confirmation link too old", "accounts/email_confirmed.html", {"confirmed": None}),
        Exhibit("email-confirm-text", "The email that confirms an address, plain text", "accounts/confirm_email.txt", {"user": ada, "url": "https://chat.example.com/accounts/email/confirm/signed-token/", "days": 3}),
        Exhibit("email-confirm-subject", "The confirmation email's subject", "accounts/confirm_email_subject.txt", {}),
        Exhibit("notifications-off-here", "Notification settings, nothing configured", "accounts/notifications.html", {"form": NotificationsForm(instance=ada)}),
        Exhibit("notifications-off", "Stop the emails, from a link", "accounts/notifications_off.html", {"token": "signed-token"}),
        Exhibit("notifications-off-done", "Emails stopped", "accounts/notifications_off.html", {"done": True}),
        Exhibit("email-missed", "The email about what you missed", "notify/missed.html", missed_email()),
        Exhibit("email-missed-text", "The email about what you missed, plain text", "notify/missed.txt", missed_email()),
        Exhibit("email-missed-subject", "The email's subject", "notify/missed_subject.txt", missed_email()),
        Exhibit("start-direct-unknown", "Message someone, nobody by that name", "rooms/start_direct.html", {"form": unknown_person()}),
        Exhibit("new-room", "A new room", "rooms/new.html", {"form": RoomForm()}),
        Exhibit("members", "A private room's members", "rooms/members.html", {"room": secret, "members": [ada, grace], "manages": True, "form": MemberForm(room=secret)}),
        Exhibit("search", "Search results", "rooms/search.html", {"terms": "budget", "results": [LONG, MULTILINE], "marked": ["budget"], "page_size": 50}),
        Exhibit("search-filtered", "Search with filters", "rooms/search.html", {"terms": "release in:#general from:@grace after:2026-03-13", "results": [MULTILINE], "marked": ["release"], "filters": {"rooms": [room], "people": [grace], "after": (NOON - timedelta(days=1)).date()}, "page_size": 50}),
        Exhibit("search-refused", "Search, a filter refused", "rooms/search.html", {"terms": "release in:#nope before:2026-13-01", "errors": ["No room called #nope you can read.", "“before:2026-13-01” is not a date: write it as YYYY-MM-DD, as in before:2026-12-07."]}),
        Exhibit("search-none", "Search, nothing found", "rooms/search.html", {"terms": "unicorns", "results": []}),
        Exhibit("switcher", "The switcher (Ctrl+K), open", "keyboard.html", {"open": "switcher"}),
        Exhibit("shortcuts", "The keyboard's shortcuts (?), open", "keyboard.html", {"open": "shortcuts"}),
        Exhibit("css-words", "The words chat.css shows (a <style>: seen on every page, not here)", "css_words.html"),
        Exhibit("switcher-results", "What the switcher finds", "rooms/switcher.html", {"rooms": [room, secret], "conversations": [direct], "people": [grace], "count": 4, "q": "g"}),
        Exhibit("switcher-results-none", "The switcher, nothing found", "rooms/switcher.html", {"rooms": [], "conversations": [], "people": [], "count": 0, "q": "zed"}),
        Exhibit("sign-in-page", "Sign in", "registration/login.html", {"user": AnonymousUser(), "form": AuthenticationForm()}),
        Exhibit("sign-in-page-failed", "Sign in, failed", "registration/login.html", {"user": AnonymousUser(), "form": failed_sign_in()}),
        Exhibit("sign-up", "Sign up", "registration/signup.html", {"user": AnonymousUser(), "form": UserCreationForm()}),
        Exhibit("sign-up-failed", "Sign up, failed", "registration/signup.html", {"user": AnonymousUser(), "form": failed_sign_up()}),
        Exhibit("sign-up-first-run", "The first visit: set up the chat", "registration/signup.html", {"user": AnonymousUser(), "form": UserCreationForm(), "first_run": True}),
        Exhibit("sign-up-join-link", "Sign up with a join link", "registration/signup.html", {"user": AnonymousUser(), "form": UserCreationForm(), "code": "x" * 43}),
        *(Exhibit(f"sign-up-refused-{reason}", f"Sign up refused: {reason}", "registration/signup_refused.html", {"user": AnonymousUser(), "reason": reason, "wait_minutes": 15}) for reason in ["invitation-only", "not-valid", "too-many", "banned", "claim-not-valid"]),
        Exhibit("people-directory", "The people page: the directory", "people/people.html", {"user": ada, "directory": [ada, deploybot, grace]}),
        Exhibit("people-directory-none", "The directory, filtered to no one", "people/people.html", {"user": ada, "directory": [], "q": "zed"}),
        Exhibit("people", "The people page (administrators)", "people/people.html", people_page()),
        Exhibit("people-new-invitation", "The people page, an invitation just made", "people/people.html", people_page(new_invitation="https://chat.example.com/join/" + "y" * 43 + "/")),
        Exhibit("ban", "Ban someone: are you sure?", "people/ban.html", {"person": grace, "message_count": 42, "addresses": [("203.0.113.5", 3), ("198.51.100.7", 0)], "recent_days": 30}),
        Exhibit("people-new-bot", "The people page, a bot just made", "people/people.html", people_page(new_key=("deploybot", "z" * 43))),
        Exhibit("profile", "Someone's profile", "people/profile.html", {"person": grace, "profile": grace.profile}),
        Exhibit("profile-own", "Your own profile, no picture yet", "people/profile.html", {"person": ada, "profile": None, "user": ada}),
        Exhibit("profile-bot", "A bot's profile", "people/profile.html", {"person": deploybot, "profile": None}),
        Exhibit("profile-edit", "Edit your profile", "accounts/profile_edit.html", {"form": ProfileForm(initial={"display_name": "Ada Lovelace"}, person=ada), "profile": None, "user": ada}),
        Exhibit("avatar-initials", "An avatar of initials (people without a picture)", "people/avatar.svg", {"initials": "GH", "colour": "hsl(200 55% 38%)"}),
        Exhibit("person-update", "Someone's new name or picture (socket)", f"{r}#person-update", {"person": grace}),
        Exhibit("incoming-webhooks", "Incoming webhooks (administrators)", "rooms/incoming_webhooks.html", {"user": people_page()["user"], "webhooks": WEBHOOKS, "rooms": [room, secret]}),
        Exhibit("incoming-webhooks-new", "Incoming webhooks, one just made: its URL, once", "rooms/incoming_webhooks.html", {"user": people_page()["user"], "webhooks": WEBHOOKS, "rooms": [room, secret], "new_url": "https://chat.example.com/hooks/" + "w" * 43 + "/"}),
        Exhibit("administrators-only", "The people page, refused to a member", "people/administrators_only.html"),
        Exhibit("password-change", "Change your password", "registration/password_change_form.html", {"form": PasswordChangeForm(ada)}),
        Exhibit("claim", "Claiming an account an import made", "registration/claim.html", {"user": AnonymousUser(), "form": SetPasswordForm(ada), "claimed": ada}),
        Exhibit("password-changed", "Password changed", "registration/password_change_done.html"),
        Exhibit("blank-page", "The page around everything", "base.html"),
        Exhibit("manifest", "The web app manifest", "manifest.webmanifest"),
        Exhibit("service-worker", "The service worker (push notifications)", "service-worker.js"),
    ]  # fmt: skip


def gallery_only(view):
    """Refuse the gallery outside DEBUG to anyone but staff."""

    def wrapped(request, *args, **kwargs):
        if not (settings.DEBUG or request.user.is_staff):
            raise Http404("No gallery here.")
        return view(request, *args, **kwargs)

    return wrapped


@gallery_only
@csp_override({**settings.SECURE_CSP, "frame-src": [CSP.SELF]})
def index(request):
    """Show every exhibit, each in a frame of its own."""
    return render(request, "gallery/index.html", {"exhibits": exhibits()})


@gallery_only
@xframe_options_sameorigin
@csp_override({**settings.SECURE_CSP, "frame-ancestors": [CSP.SELF]})
def exhibit(request, slug):
    """Render one exhibit: a page as itself, a fragment on a stage."""
    shown = next((e for e in exhibits() if e.slug == slug), None)
    if shown is None:
        raise Http404("No such exhibit.")
    context = {"room": room, "user": ada, "form": MessageForm(), **shown.context}
    if shown.is_page:
        context["page_template"] = shown.template
        return render(request, "gallery/page.html", context)
    html = render_to_string(shown.template, context, request=request)
    return render(request, "gallery/stage.html", {"exhibit": shown, "html": html})


@gallery_only
def viewer_css(request):
    """Serve the viewer rules for ada, the gallery's viewer."""
    return render(request, "rooms/viewer.css", {"user": ada}, content_type="text/css")
