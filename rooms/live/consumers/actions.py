"""What a person does over a room socket: post, type, change, sign in or out.

Each action validates with the same form or rule as its no-JavaScript
page and changes things through the same verbs, so the two paths agree.
"""

import asyncio

from channels.auth import login, logout
from django.conf import settings
from django.core.exceptions import PermissionDenied

from accounts import client_address, limits, profiles, session_exchange
from accounts.forms import SignInForm
from rooms.live import broadcast, db
from rooms.live.consumers.base import CLOSE_SIGNED_OUT, text
from rooms.live.frames import PreparedText
from rooms.messages import changes, posting
from rooms.messages.emoji_names import is_emoji
from rooms.messages.forms import MessageForm
from rooms.models import ReadMark
from rooms.models.message import TooManyReactions


class MessageActions:
    """Posting, typing, editing, deleting, reacting, removing a preview.

    The consumer provides room, user, outbox, render(), send_fragment() and
    send_messages().
    """

    # (user pk, the emptied composer's frame), rendered at the first send.
    cleared_composer = None
    # Whether self.user's profile is read, for typing notices.
    profile_read = False

    async def post_message(self, frame):
        if not self.user.is_authenticated:
            await self.send_fragment("refusal", {"reason": "sign-in-to-post"})
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        posted = await posting.apost(
            self.room, self.user, {"message": text(frame, "message")}
        )
        if posted.refused:
            if not posted.form.is_blank():
                await self.send_fragment("composer-update", {"form": posted.form})
            return
        if not posted.delivered:
            # Stored, so nothing is lost; say so rather than pretend.
            self.send_messages([posted.message])
            await self.send_fragment("alert", {"alert": "delivery-delayed"})
        self.clear_composer()

    async def announce_typing(self, frame):
        """Tell the room this person is typing; never stored, never replayed."""
        if not self.user.is_authenticated:
            return
        # A flood, from any of the person's sockets, is dropped, not
        # refused: typing is only a hint.
        if limits.typing.allows(self.user.pk):
            if not self.profile_read:
                # Named as they show; read once, in the database's thread.
                await db.run(profiles.profile_of, self.user)
                self.profile_read = True
            await broadcast.typing(self.room, self.user)

    async def start_editing(self, frame):
        """Put one of this person's messages in the composer, as typed."""
        message = await self.changeable_message(frame)
        if message is None:
            return
        if not message.can_be_edited_by(self.user):
            await self.send_fragment("alert", {"alert": "not-yours"})
            return
        form = MessageForm(initial={"message": message.body})
        context = {"form": form, "editing": message.pk, "focus": "composer"}
        await self.send_fragment("composer-update", context)

    async def edit_message(self, frame):
        form = MessageForm({"message": text(frame, "message")})
        message = await self.changeable_message(frame)
        if message is None or not await db.run(form.is_valid):
            context = {"form": form, "editing": message and message.pk}
            await self.send_fragment("composer-update", context)
            return
        if await self.change(changes.edit, message, form.cleaned_data["message"]):
            self.clear_composer()

    async def delete_message(self, frame):
        message = await self.changeable_message(frame)
        if message is not None:
            await self.change(changes.delete, message)

    async def react(self, frame):
        message = await self.changeable_message(frame)
        if message is None:
            return
        if not is_emoji(text(frame, "emoji")):
            await self.send_fragment("alert", {"alert": "not-understood"})
            return
        await self.change(changes.react, message, text(frame, "emoji"))

    async def remove_preview(self, frame):
        message = await self.changeable_message(frame)
        if message is not None and isinstance(frame.get("preview_id"), int):
            await self.change(changes.remove_preview, message, frame["preview_id"])

    async def changeable_message(self, frame):
        """Return the message of this room the frame names, or None."""
        if not self.user.is_authenticated:
            # A reader who clicks a reaction keeps reading live.
            await self.send_fragment("alert", {"alert": "sign-in-to-change"})
            return None
        message_id = frame.get("message_id")
        message = None
        if isinstance(message_id, int):
            message = await db.run(self.room.messages.filter(pk=message_id).first)
        if message is None:
            await self.send_fragment("alert", {"alert": "not-understood"})
        return message

    async def change(self, verb, message, *args):
        """Change message through verb; return whether it changed."""
        try:
            await db.run(verb, message, self.user, *args)
        except PermissionDenied:
            await self.send_fragment("alert", {"alert": "not-yours"})
        except limits.TooFast:
            # The composer keeps an edit's text for the next try.
            await self.send_fragment("alert", {"alert": "too-fast"})
        except TooManyReactions:
            await self.send_fragment("alert", {"alert": "too-many-reactions"})
        else:
            return True
        return False

    def clear_composer(self):
        # The same frame after every send by the same person: render and
        # frame it once (a form and its partials are among the costliest
        # fragments), and send it behind the message it follows.
        if self.cleared_composer is None or self.cleared_composer[0] != self.user.pk:
            html = self.render("composer-update", {"form": MessageForm()})
            self.cleared_composer = (self.user.pk, PreparedText(html))
        self.outbox.put(self.cleared_composer[1])


class SessionActions:
    """Signing in and out inline, over the socket.

    The consumer provides room, user, enter_as_member(), leave_as_member(),
    newest_sent_id(), send_fragment() and redraw_sidebar().
    """

    async def sign_in(self, frame):
        if self.user.is_authenticated:
            return  # a stale form from before this tab signed in
        form = SignInForm(
            data={key: text(frame, key) for key in ("username", "password")},
            client_address=client_address.of_scope(self.scope),
        )
        # An account under attack: a delay, as on the sign-in page.
        await asyncio.sleep(
            await db.run(SignInForm.slowdown_for, text(frame, "username"))
        )
        if not await db.run(form.is_valid):
            context = {"sign_in_form": form, "focus": "sign-in"}
            await self.send_fragment("controls-update", context)
            return
        await login(self.scope, form.get_user())
        # Read here, in the database's thread: the header shows their name.
        await db.run(profiles.profile_of, self.user)
        self.profile_read = True
        session = self.scope["session"]
        await db.run(session.save)
        csrf_cookie = self.scope["cookies"].get(settings.CSRF_COOKIE_NAME, "")
        token = await db.run(session_exchange.issue, session.session_key, csrf_cookie)
        await self.enter_as_member()
        # The page was drawn for nobody: start this person's mark here.
        await db.run(
            ReadMark.objects.advance, self.user, self.room, self.newest_sent_id()
        )
        context = {"exchange_token": token, "focus": "composer"}
        await self.send_fragment("viewer-update", context)

    async def sign_out(self, frame):
        if self.user.is_authenticated:
            user_id = self.user.pk
            # Leave first: the signed-out event closes every other socket.
            await self.leave_as_member()
            await logout(self.scope)
            await broadcast.user_signed_out(user_id)
            await self.redraw_sidebar()  # the open rooms only
        await self.send_fragment("viewer-update", {"focus": "sign-in"})
