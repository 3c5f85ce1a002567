"""Bots' webhooks: a bot with a webhook URL is sent each message that
mentions it or is sent to it in a direct conversation, and a text answer
within WEBHOOK_TIMEOUT_SECONDS is posted back as the bot.

A sweep over stored messages, as for push (rooms/sweeps/push.py), so the message
path never waits for a bot. A round claims the next messages (the
"webhooks" SweepCursor, under its lock, in a short transaction), then
calls the bots with no transaction open: a slow bot holds no lock, and a
bot's answer is posted and broadcast like anyone's. A process stopped
mid-round finishes it first (Sweep.stop); one killed loses that round's
calls, never repeats them.

The POST is JSON, signed: X-Chat-Signature is "sha256=" and the hex
HMAC-SHA256 of "<X-Chat-Timestamp>.<body>", keyed with the SHA-256 (hex)
of the bot's key, which is all the server keeps of it.
"""

import hashlib
import hmac
import json
import logging
import time

import requests
from django.conf import settings
from django.db.models import Max

from accounts.models import Bot
from rooms.live.background import Sweep, first_unless_locked, sweep_transaction
from rooms.messages import posting
from rooms.messages.payloads import message_json
from rooms.models import Membership, Message, Room, SweepCursor, ThreadFollow
from rooms.sweeps import outbound

logger = logging.getLogger(__name__)

BATCH = 200
# An answer longer than this is not read: a message is at most 5,000
# characters, at most 4 bytes each.
MAX_ANSWER_BYTES = 20_000


def deliver_new_messages():
    """Call the bots about what was posted since the last round; return how
    many calls were made."""
    calls = claim_next_calls()
    for message, bot in calls:
        answer = call(bot, message)
        if answer:
            post_answer(bot, message, answer)
    return len(calls)


def claim_next_calls():
    """Move the cursor past the next messages; return (message, bot) for
    each bot to call about them."""
    # All of it in the round's transaction, the read of the bots too: a
    # query that joins two tables can deadlock with a TRUNCATE (a test's
    # flush) or a migration, and only the transaction gives way in time.
    with sweep_transaction():
        hooked = {
            bot.user_id: bot
            for bot in Bot.objects.select_related("user")
            .exclude(webhook_url="")
            .filter(user__is_active=True)
        }
        SweepCursor.make_if_new("webhooks")
        if not hooked:
            # Nobody to call: move the cursor past what is there without
            # reading it, as this runs every second in every process.
            newest = Message.objects.aggregate(newest=Max("pk"))["newest"] or 0
            # Never back: a round that saw a bot just hooked may be further on.
            SweepCursor.objects.filter(
                name="webhooks", last_message_id__lt=newest
            ).update(last_message_id=newest)
            return []
        cursor = first_unless_locked(SweepCursor.objects.filter(name="webhooks"))
        if cursor is None:
            return []  # another process is on it
        messages = list(
            Message.objects.posted_here()
            .filter(pk__gt=cursor.last_message_id, deleted=None)
            .select_related("room", "author__bot")
            .prefetch_related("attachments")  # in each call's payload
            .order_by("pk")[:BATCH]
        )
        if not messages:
            return []
        cursor.last_message_id = messages[-1].pk
        cursor.save(update_fields=["last_message_id"])
    return [
        (message, hooked[bot_id])
        for message in messages
        for bot_id in sorted(bots_addressed(message, hooked))
    ]


def bots_addressed(message, hooked):
    """Return the ids of the hooked bots this message is for: those it
    mentions, in a direct conversation the other member, and for a reply
    those following its thread; only bots that may read the room, never
    the author."""
    room = message.room
    addressed = {user.pk for user in message.mentioned().values()} & hooked.keys()
    if message.thread_id is not None:
        following = ThreadFollow.objects.followers([message.thread_id])
        addressed |= following[message.thread_id] & hooked.keys()
    if room.is_direct:
        members = Membership.objects.filter(room=room, user__in=hooked.keys())
        addressed |= set(members.values_list("user", flat=True))
    addressed.discard(message.author_id)
    if addressed and room.kind != Room.Kind.OPEN:
        members = Membership.objects.filter(room=room, user__in=addressed)
        addressed = set(members.values_list("user", flat=True))
    return addressed


def payload(bot, message):
    """What a bot's webhook is sent: the message as the API shows it."""
    room = message.room
    shown = message_json(message, lambda path: settings.SITE_URL + path)
    return {
        "bot": bot.user.username,
        "room": {"slug": room.slug, "name": room.name, "direct": room.is_direct},
        "message": shown,
        "author": shown["author"],
    }


def signature(bot, timestamp, body):
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(bot.key_hash.encode(), signed, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def call(bot, message):
    """POST the message to the bot's webhook; return its text answer, if any."""
    url = bot.webhook_url
    if not outbound.may_request(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE):
        logger.warning("Not calling %s's webhook: %s is not public", bot.user, url)
        return None
    body = json.dumps(payload(bot, message)).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "chat-webhooks",
        "X-Chat-Timestamp": timestamp,
        "X-Chat-Signature": signature(bot, timestamp, body),
    }
    started = time.monotonic()
    deadline = settings.WEBHOOK_TIMEOUT_SECONDS
    try:
        checked = outbound.session(allow_private=settings.WEBHOOK_ALLOW_PRIVATE)
        with checked.post(
            url, data=body, headers=headers, timeout=deadline, stream=True
        ) as response:
            answer = read_answer(response, started + deadline)
    except requests.RequestException as error:
        logger.warning("%s's webhook failed: %s", bot.user, error)
        return None
    return answer


def read_answer(response, deadline):
    """Return the text a 2xx answer carries (plain, or JSON {"message"})."""
    if not response.ok:
        return None
    content = b""
    for chunk in response.iter_content(4096):
        content += chunk
        if len(content) > MAX_ANSWER_BYTES or time.monotonic() > deadline:
            return None
    text = content.decode(response.encoding or "utf-8", errors="replace").strip()
    if response.headers.get("Content-Type", "").startswith("application/json"):
        try:
            text = json.loads(text).get("message", "")
        except (ValueError, AttributeError):
            return None
    return text if isinstance(text, str) else None


def post_answer(bot, message, text):
    """Post a bot's answer to message as a message of its own, as the API
    does: in the room, or in the thread of a reply."""
    thread = None
    if message.thread_id is not None:
        thread = message.room.messages.get(pk=message.thread_id)
    posted = posting.post(message.room, bot.user, {"message": text}, thread=thread)
    if posted.refused:
        logger.warning("%s's answer was refused: %s", bot.user, posted.form.errors)


def enabled():
    return True  # bots can be made at any time; with none a round is a read


# Started by site_config/lifespan.py.
sweep = Sweep(deliver_new_messages, settings.WEBHOOK_SWEEP_SECONDS)
