"""Web Push notifications of mentions and direct messages.

A sweep over what is stored, as for the emails (rooms/sweeps/notify.py), every
PUSH_SWEEP_SECONDS, so the message path never waits for a push service.
A round claims the messages since the last (the "push" SweepCursor, under
its lock, in a short transaction), then pushes with no transaction open,
as bots' webhooks are called: a slow push service holds no lock (on
SQLite, the one every writer waits for). A process stopped mid-round
finishes it first (Sweep.stop); one killed loses that round's pushes,
never repeats them. A message is pushed to each browser its people
subscribed: the people it mentions, in a direct conversation its other
members, and for a reply those who follow its thread (as a mention); never its author, nor someone who cannot read the room,
has read it, or has a tab open in the room; in a muted room only a
mention.
"""

import json
import logging
import urllib.parse

import requests
from django.conf import settings
from py_vapid import Vapid, VapidException
from pywebpush import WebPushException, webpush

from accounts.models import PushSubscription
from accounts.profiles import display_name
from rooms.live.background import Sweep, first_unless_locked, sweep_transaction
from rooms.models import Message, Presence, ReadMark, Room, SweepCursor, ThreadFollow
from rooms.sweeps import outbound

logger = logging.getLogger(__name__)

# Messages one round takes at most; the next round takes the rest.
BATCH = 200
GONE = (404, 410)  # the push service forgot the browser: forget it too


def enabled():
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def push_new_messages():
    """Push what was posted since the last round; return how many pushes."""
    pushed = 0
    for message, subscriptions in claim_next_pushes():
        payload = payload_of(message)
        pushed += sum(send(subscription, payload) for subscription in subscriptions)
    return pushed


def claim_next_pushes():
    """Move the cursor past the next messages; return each with the
    browsers to push it to (messages with none left out)."""
    # The reads of who to push to in the round's transaction too: a query
    # that joins two tables can deadlock with a TRUNCATE (a test's flush)
    # or a migration, and only the transaction gives way in time.
    with sweep_transaction():
        SweepCursor.make_if_new("push")
        cursor = first_unless_locked(SweepCursor.objects.filter(name="push"))
        if cursor is None:
            return []  # another process is on it
        messages = list(
            Message.objects.posted_here()
            .filter(pk__gt=cursor.last_message_id, deleted=None)
            .select_related("room", "author__profile")
            .order_by("pk")[:BATCH]
        )
        pushes = [(message, subscriptions_for(message)) for message in messages]
        if messages:
            cursor.last_message_id = messages[-1].pk
            cursor.save(update_fields=["last_message_id"])
    return [(message, browsers) for message, browsers in pushes if browsers]


def subscriptions_for(message):
    people = recipients(message)
    if not people:
        return []
    return list(PushSubscription.objects.filter(user__in=people).order_by("pk"))


def recipients(message):
    """Return the ids of the people to push this message to."""
    room = message.room
    mentioned = set(message.mentions.values_list("pk", flat=True))
    if message.thread_id is not None:
        # A reply is a mention to those who follow its thread.
        mentioned |= ThreadFollow.objects.followers([message.thread_id])[
            message.thread_id
        ]
    concerned = set(mentioned)
    if room.is_direct:
        concerned |= set(room.members.values_list("pk", flat=True))
    concerned.discard(message.author_id)
    if not concerned:
        return set()
    subscribed = set(
        PushSubscription.objects.filter(user__in=concerned).values_list(
            "user", flat=True
        )
    )
    if room.kind != Room.Kind.OPEN:
        subscribed &= set(room.members.values_list("pk", flat=True))
    marks = ReadMark.objects.filter(room=room, user__in=subscribed)
    for user_id, last_read, muted in marks.values_list("user", "last_read_id", "muted"):
        if last_read >= message.pk or (muted and user_id not in mentioned):
            subscribed.discard(user_id)
    watching = Presence.objects.live().filter(
        room=room, user__in=subscribed, closed=False
    )
    return subscribed - set(watching.values_list("user", flat=True))


def payload_of(message):
    room = message.room
    where = "(direct message)" if room.is_direct else f"in #{room.name}"
    return {
        "title": f"{display_name(message.author)} {where}",
        "body": message.body[:200],
        "url": message.get_absolute_url(),
        "tag": f"room-{room.pk}",
    }


def send(subscription, payload):
    """Send one encrypted push; return 1 if the push service took it.

    A subscription is anyone's input: whatever it does wrong costs its own
    push only, never the round's others.
    """
    if not endpoint_allowed(subscription.endpoint):
        subscription.delete()
        return 0
    try:
        webpush(
            subscription.as_webpush_target(),
            json.dumps(payload),
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=3600,
            timeout=5,
            requests_session=outbound.session(
                allow_private=settings.PUSH_ALLOW_PRIVATE
            ),
        )
    except WebPushException as error:
        if error.response is not None and error.response.status_code in GONE:
            subscription.delete()
        else:
            logger.warning("A push to %s failed: %s", subscription.user_id, error)
        return 0
    except (ValueError, VapidException) as error:
        # Keys that encrypt nothing (the browser's p256dh is not a point on
        # the curve), or a host a push cannot be signed for: this
        # subscription can never be pushed to.
        logger.warning(
            "Dropped a push subscription of %s: %s", subscription.user_id, error
        )
        subscription.delete()
        return 0
    except requests.RequestException as error:
        # A push service down or slow, or an address that is not public:
        # this browser misses the push, the round's others do not.
        logger.warning("A push to %s failed: %r", subscription.user_id, error)
        return 0
    except Exception:
        logger.exception("A push to %s failed", subscription.user_id)
        return 0
    return 1


def endpoint_allowed(url):
    """Whether the server may POST to this endpoint: a subscription is
    anyone's input."""
    return outbound.may_request(url, allow_private=settings.PUSH_ALLOW_PRIVATE)


def can_sign_for(url):
    """Whether a push to url can carry this chat's VAPID signature: py_vapid
    refuses some hosts (an IPv6 address, a user name in the URL)."""
    if not enabled():
        return True  # nothing is signed, nor sent
    parts = urllib.parse.urlsplit(url)
    claims = {"sub": settings.VAPID_SUBJECT, "aud": f"{parts.scheme}://{parts.netloc}"}
    try:
        Vapid.from_string(private_key=settings.VAPID_PRIVATE_KEY).sign(claims)
    except VapidException:
        return False
    return True


# Started by site_config/lifespan.py when VAPID keys are set.
sweep = Sweep(push_new_messages, settings.PUSH_SWEEP_SECONDS)
