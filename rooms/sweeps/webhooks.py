"""Bots' webhooks: a bot with a webhook URL is sent each message that
mentions it or is sent to it in a direct conversation, and each reply in a
thread it follows; a text answer within WEBHOOK_TIMEOUT_SECONDS is posted
back as the bot.

Each call is a Delivery (rooms/sweeps/deliveries.py), stored by the sweep
for each bot the one rule tells (rooms/sweeps/audience.py), then made with
no transaction open: a slow bot holds no lock, and a bot's answer is
posted and broadcast like anyone's. A call that fails on the network,
times out or is answered 5xx is made again later, for up to an hour, with
the same X-Chat-Delivery id, so a bot can drop a repeat; a 4xx is final.

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

from accounts import outbound
from accounts.models import Bot
from rooms.live.background import Sweep
from rooms.messages import posting
from rooms.messages.payloads import message_json
from rooms.models import Delivery
from rooms.sweeps import deliveries

logger = logging.getLogger(__name__)

# An answer longer than this is not read: a message is at most 5,000
# characters, at most 4 bytes each.
MAX_ANSWER_BYTES = 20_000


def deliver_new_messages():
    """Store the calls new messages make, then make those due; return how
    many were made."""
    return deliveries.run_round(Delivery.Kind.WEBHOOK, call_bot)


def call_bot(delivery):
    """Make one Delivery's call, and post the bot's answer; TryAgain if the
    bot may take it later."""
    message = delivery.message
    bot = Bot.objects.filter(user=delivery.user).exclude(webhook_url="").first()
    if message.deleted or bot is None or not delivery.user.is_active:
        return  # nothing to tell, or nobody to tell it to now
    answer = call(bot, message, delivery.key)
    if answer:
        post_answer(bot, message, answer)


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


def call(bot, message, key):
    """POST the message to the bot's webhook; return its text answer, if
    any; TryAgain on a network error, a timeout or a 5xx."""
    url = bot.webhook_url
    if not outbound.may_request(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE):
        logger.warning("Not calling %s's webhook: %s is not public", bot.user, url)
        return None
    body = json.dumps(payload(bot, message)).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "chat-webhooks",
        "X-Chat-Delivery": str(key),
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
            if response.status_code >= 500:
                logger.warning(
                    "%s's webhook answered %s", bot.user, response.status_code
                )
                raise deliveries.TryAgain
            return read_answer(response, started + deadline)
    except requests.RequestException as error:
        logger.warning("%s's webhook failed: %s", bot.user, error)
        raise deliveries.TryAgain from error


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
